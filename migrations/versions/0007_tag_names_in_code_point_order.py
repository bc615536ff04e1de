"""articles' tag names in code point order, whatever the database's collation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

0006 and the write path sorted each article's tag_names under the database's collation, so an en_US or
ICU database ordered "a_c" after "ab" while Conduit's own order (domain.articles.in_tag_order) puts it
first. Conduit now writes the names in its order; this puts the rows written before in that order too.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE articles
        SET tag_names = ARRAY(SELECT name FROM unnest(tag_names) AS name ORDER BY name COLLATE "C")
        WHERE tag_names <> ARRAY(SELECT name FROM unnest(tag_names) AS name ORDER BY name COLLATE "C")
        """
    )


def downgrade() -> None:
    # Nothing to undo: code point order is one of the orders the earlier code accepted.
    pass
