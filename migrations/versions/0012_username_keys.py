"""usernames are unique by their key: NFKC normalization and case folding, not lower()

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

``lower()`` let ``stuser`` in fullwidth letters register beside ``stuser``, and ``STRASSE`` beside
``straße``. Each user now has ``username_key`` (``domain.users.username_key``, computed here in Python:
PostgreSQL has no case folding), and the unique index ``users_username_key`` holds it. Existing names
that become one name under the new rule cannot both keep it: the upgrade stops and names them, for an
operator to rename one of each (``UPDATE users SET username = ...``) before upgrading again.
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.users import username_key

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000


def upgrade() -> None:
    connection = op.get_bind()
    op.execute("ALTER TABLE users ADD COLUMN username_key text")
    names = connection.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    by_key: defaultdict[str, list[str]] = defaultdict(list)
    for _, name in names:
        by_key[username_key(name)].append(name)
    clashes = [same for same in by_key.values() if len(same) > 1]
    if clashes:
        listed = "; ".join(", ".join(same) for same in clashes)
        raise RuntimeError(
            f"these usernames are one name once case-folded; rename all but one of each: {listed}"
        )
    update = sa.text("UPDATE users SET username_key = :key WHERE id = :id")
    for start in range(0, len(names), BATCH):
        batch = names[start : start + BATCH]
        connection.execute(update, [{"id": id_, "key": username_key(name)} for id_, name in batch])
    op.execute("ALTER TABLE users ALTER COLUMN username_key SET NOT NULL")
    op.execute("DROP INDEX users_username_key")
    op.execute("CREATE UNIQUE INDEX users_username_key ON users (username_key)")


def downgrade() -> None:
    op.execute("DROP INDEX users_username_key")
    op.execute("CREATE UNIQUE INDEX users_username_key ON users (lower(username))")
    op.execute("ALTER TABLE users DROP COLUMN username_key")
