"""users carry a security stamp, which every token of theirs carries too: a new one revokes the others

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Existing users get the first stamp (0), which tokens issued before stamps existed are read as carrying,
so an upgrade signs nobody out. ``security_stamp_changed_at`` says when a stamp last changed, by the
database's clock, for every process to pick up revocations by it (the partial index keeps that read
small: most users never change theirs).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE users
            ADD COLUMN security_stamp bigint NOT NULL DEFAULT 0,
            ADD COLUMN security_stamp_changed_at timestamptz
        """
    )
    op.execute(
        """
        CREATE INDEX users_security_stamp_changed_at ON users (security_stamp_changed_at)
        WHERE security_stamp_changed_at IS NOT NULL
        """
    )


def downgrade() -> None:
    op.execute("DROP INDEX users_security_stamp_changed_at")
    op.execute("ALTER TABLE users DROP COLUMN security_stamp_changed_at, DROP COLUMN security_stamp")
