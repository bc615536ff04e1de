"""users: accounts with case-insensitively unique usernames and emails

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE users (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            username text NOT NULL,
            email text NOT NULL,
            password_hash text NOT NULL,
            bio text NOT NULL DEFAULT '',
            image text,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    # Expression indexes make "Alice" and "alice" the same name; their names are mapped to fields
    # in adapters/postgres/errors.py.
    op.execute("CREATE UNIQUE INDEX users_username_key ON users (lower(username))")
    op.execute("CREATE UNIQUE INDEX users_email_key ON users (lower(email))")


def downgrade() -> None:
    op.execute("DROP TABLE users")
