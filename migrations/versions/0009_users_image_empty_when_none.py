"""a user without an image has image '' (RealWorld's "no image"), never NULL

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

The RealWorld schema has image as a string; Conduit answered null for a user without one. The domain now
says "no image" as an empty string, and the column holds it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE users SET image = '' WHERE image IS NULL")
    op.execute("ALTER TABLE users ALTER COLUMN image SET DEFAULT '', ALTER COLUMN image SET NOT NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE users ALTER COLUMN image DROP NOT NULL, ALTER COLUMN image DROP DEFAULT")
    op.execute("UPDATE users SET image = NULL WHERE image = ''")
