"""tag popularity counted in shards; tag names become a vocabulary that is never locked

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

Every publish rewrote its tags' rows (tags.article_count, and the popularity index with it), so every
article with a popular tag queued behind the previous one's commit. Counts now live in tag_counts, one
row per (tag, shard) with the shard taken from the author like the article count's; a tag row is only
ever inserted. Tags no article uses any more stay as vocabulary (GET /api/tags lists those in use).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE tag_counts (
            tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
            shard smallint NOT NULL,
            -- No CHECK (article_count >= 0): PostgreSQL checks the row an upsert proposes before it
            -- finds the conflict, and a decrement proposes -1. tests/integration/test_counters.py
            -- recounts instead.
            article_count integer NOT NULL,
            PRIMARY KEY (tag_id, shard)
        )
        """
    )
    op.execute(
        """
        INSERT INTO tag_counts (tag_id, shard, article_count)
        SELECT at.tag_id, a.author_id % 8, count(*)
        FROM article_tags at JOIN articles a ON a.id = at.article_id
        GROUP BY at.tag_id, a.author_id % 8
        """
    )
    op.execute("DROP INDEX tags_popular_idx")
    op.execute("ALTER TABLE tags DROP COLUMN article_count")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE tags ADD COLUMN article_count integer NOT NULL DEFAULT 0 CHECK (article_count >= 0)"
    )
    op.execute(
        """
        UPDATE tags t SET article_count = c.n
        FROM (SELECT tag_id, sum(article_count) AS n FROM tag_counts GROUP BY tag_id) c
        WHERE c.tag_id = t.id
        """
    )
    op.execute("DELETE FROM tags WHERE article_count = 0")
    op.execute("CREATE INDEX tags_popular_idx ON tags (article_count DESC, name)")
    op.execute("DROP TABLE tag_counts")
