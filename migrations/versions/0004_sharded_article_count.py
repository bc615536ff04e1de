"""the total article count in 16 shards instead of one row, and no NOTIFY inside writing transactions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Every publish and delete updated the single article_totals row, so concurrent publishes queued behind
each other's row lock until commit. The count now lives in 16 rows; a write touches the shard of its
author (whose own row it locks anyway), and the total is their sum.

The outbox trigger called pg_notify() inside every transaction that recorded an event; PostgreSQL lets
one notifying transaction commit at a time (a global lock held through the commit's WAL flush), which
serialised all such writes. Conduit now sends the NOTIFY after the commit instead (see
adapters/postgres/events.py), so the trigger goes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE article_count_shards (
            shard smallint PRIMARY KEY,
            article_count bigint NOT NULL CHECK (article_count >= 0)
        )
        """
    )
    op.execute(
        """
        INSERT INTO article_count_shards (shard, article_count)
        SELECT s, (SELECT count(*) FROM articles WHERE author_id % 16 = s)
        FROM generate_series(0, 15) s
        """
    )
    op.execute("DROP TABLE article_totals")
    op.execute("DROP TRIGGER outbox_notify ON outbox")
    op.execute("DROP FUNCTION outbox_notify()")


def downgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('conduit_outbox', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
    )
    op.execute(
        """
        CREATE TABLE article_totals (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            article_count bigint NOT NULL CHECK (article_count >= 0)
        )
        """
    )
    op.execute("INSERT INTO article_totals (article_count) SELECT count(*) FROM articles")
    op.execute("DROP TABLE article_count_shards")
