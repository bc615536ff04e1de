"""each article carries its tag names, so reads do not join them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Every article read gathered its tags through article_tags and tags: for a page of 20, half of
PostgreSQL's CPU for the whole list statement. Tag names never change (a tag is its name), so the
article row keeps a copy, sorted as the reads sorted them, written in the same statement as the links.
article_tags stays: it serves the tag filter and the tag counts.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE articles ADD COLUMN tag_names text[] NOT NULL DEFAULT '{}'")
    op.execute(
        """
        UPDATE articles a SET tag_names = t.names
        FROM (
            SELECT at.article_id, array_agg(t.name ORDER BY t.name) AS names
            FROM article_tags at JOIN tags t ON t.id = at.tag_id
            GROUP BY at.article_id
        ) t
        WHERE t.article_id = a.id
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE articles DROP COLUMN tag_names")
