"""write budgets: how many writes each user may make now, refilling over time

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

A write spends from its user's row (adapters/postgres/write_budgets.py says how, by the rule of
``application.throttling.spend_write``), even below zero. A deferred constraint trigger refuses, at the
COMMIT, a transaction that leaves a budget below zero: raising then, not at the spending statement,
lets every statement queued behind it in the pipeline run first (one aborted mid-pipeline would leave
psycopg believing in prepared statements the server never made), and the failed COMMIT rolls the
spending back with everything else. The error's hint is the seconds until a write is back.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE write_budgets (
            user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
            writes_left double precision NOT NULL,
            per_minute double precision NOT NULL,
            counted_at timestamptz NOT NULL,
            taken integer NOT NULL  -- writes the last spend took at once (a process keeps the rest)
        )
        """
    )
    op.execute(
        """
        CREATE FUNCTION refuse_spent_write_budget() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'write budget spent'
                USING HINT = ceil(-NEW.writes_left * 60 / NEW.per_minute)::integer::text;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE CONSTRAINT TRIGGER write_budget_spent AFTER INSERT OR UPDATE ON write_budgets
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.writes_left < 0)
        EXECUTE FUNCTION refuse_spent_write_budget()
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE write_budgets")
    op.execute("DROP FUNCTION refuse_spent_write_budget()")
