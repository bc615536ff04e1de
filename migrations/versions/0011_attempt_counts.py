"""attempt counts, for throttling brute force across every process and host

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

A count per key (a digest of, say, an account and a client address) in a window that closes at
``closes_at``. The index on ``closes_at`` lets writes find closed windows to delete.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE attempt_counts (
            key bytea PRIMARY KEY,
            count integer NOT NULL,
            closes_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX attempt_counts_closes_at ON attempt_counts (closes_at)")


def downgrade() -> None:
    op.execute("DROP TABLE attempt_counts")
