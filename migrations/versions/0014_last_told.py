"""last told: when a recipient last heard of an undoable act (a follow, a favorite) by one actor

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Following and favoriting can be toggled at will; without a memory of what was told, every cycle would
notify again. One row per (recipient, actor, kind, article slug, "" for a follow) keeps the time of the
last notification; the upsert in adapters/postgres/notifications.py moves it only when the window has
passed, and inserts the notification in the same statement, so concurrent deliveries tell once.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE last_told (
            recipient_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            actor_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            kind text NOT NULL,
            article_slug text NOT NULL,
            told_at timestamptz NOT NULL,
            PRIMARY KEY (recipient_id, actor_id, kind, article_slug)
        )
        """
    )
    op.execute("CREATE INDEX last_told_actor_idx ON last_told (actor_id)")


def downgrade() -> None:
    op.execute("DROP TABLE last_told")
