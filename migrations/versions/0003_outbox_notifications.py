"""outbox of domain events (with a NOTIFY on insert) and the notifications inbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE outbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            topic text NOT NULL,
            payload jsonb NOT NULL,
            created_at timestamptz NOT NULL,
            available_at timestamptz NOT NULL,
            failures integer NOT NULL DEFAULT 0,
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
            last_error text,
            processed_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX outbox_due_idx ON outbox (available_at, id) WHERE status = 'pending'")
    op.execute("CREATE INDEX outbox_processed_idx ON outbox (processed_at) WHERE status = 'done'")
    # Consumers LISTEN on this channel; the notification is delivered when the inserting transaction
    # commits, so a woken consumer always finds the event.
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
        CREATE TABLE notifications (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            recipient_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            event_id bigint NOT NULL,
            kind text NOT NULL,
            actor_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            article_slug text,
            article_title text,
            comment_id bigint,
            created_at timestamptz NOT NULL,
            read_at timestamptz,
            CONSTRAINT notifications_once_per_event UNIQUE (event_id, recipient_id)
        )
        """
    )
    op.execute("CREATE INDEX notifications_inbox_idx ON notifications (recipient_id, id DESC)")
    op.execute("CREATE INDEX notifications_unread_idx ON notifications (recipient_id) WHERE read_at IS NULL")
    op.execute("CREATE INDEX notifications_actor_idx ON notifications (actor_id)")


def downgrade() -> None:
    op.execute("DROP TABLE notifications")
    op.execute("DROP TRIGGER outbox_notify ON outbox")
    op.execute("DROP FUNCTION outbox_notify()")
    op.execute("DROP TABLE outbox")
