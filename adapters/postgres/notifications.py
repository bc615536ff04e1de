"""Notifications, inside a unit of work: written by the event handler, marked read by their recipient.

Each statement that adds notifications also signals their recipients' open streams: ``pg_notify`` on
``conduit_notifications`` with the ids of the recipients it added a row for (none: no signal, so a
redelivered event wakes nobody), or ``*`` ("everyone, look") when they would not fit in a payload. The
notification is sent at the COMMIT, so a stream hears of it exactly when it can read it.

Inside the transaction, unlike the API's writes (migration 0004 took NOTIFY out of them): PostgreSQL lets
one notifying transaction commit at a time, which would serialise every write of the API, but these are
the worker's deliveries, one transaction per event per worker, on no request's path; queueing their
commits costs what a stream waits for, a fraction of a millisecond each, and a signal sent after the
commit instead could be lost with the process between the two.
"""

from datetime import datetime, timedelta

from adapters.postgres.notification_signals import CHANNEL
from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from adapters.signalling import EVERYONE
from application.ports import NotificationRepository
from domain.ids import UserId
from domain.notifications import NewNotification

# NOTIFY's payload must be shorter than 8000 bytes; ids are ASCII, so characters are bytes. Each
# statement that adds notifications ends with the signal of those it added (CTE ``added``).
LONGEST_PAYLOAD = 7999

INSERT_NOTIFICATION = Statement(
    """
    WITH added AS (
        INSERT INTO notifications
            (recipient_id, event_id, kind, actor_id, article_slug, article_title, comment_id, created_at)
        VALUES (%(recipient)s, %(event_id)s, %(kind)s, %(actor)s, %(slug)s, %(title)s, %(comment_id)s,
                %(created_at)s)
        ON CONFLICT (event_id, recipient_id) DO NOTHING
        RETURNING recipient_id
    )
    SELECT pg_notify(%(channel)s, CASE WHEN length(ids) <= %(longest)s THEN ids ELSE %(everyone)s END)
    FROM (SELECT string_agg(DISTINCT recipient_id::text, ',') AS ids FROM added) AS recipients
    WHERE ids IS NOT NULL
    """
)

# The notification exists only when the upsert moved the recipient's "last told" mark: a mark younger
# than the window stays, and the row lock taken on conflict makes a concurrent delivery wait and see it.
INSERT_ONCE_WITHIN = Statement(
    """
    WITH told AS (
        INSERT INTO last_told AS t (recipient_id, actor_id, kind, article_slug, told_at)
        VALUES (%(recipient)s, %(actor)s, %(kind)s, coalesce(%(slug)s, ''), %(created_at)s)
        ON CONFLICT (recipient_id, actor_id, kind, article_slug) DO UPDATE SET told_at = excluded.told_at
        WHERE t.told_at <= excluded.told_at - %(window)s
        RETURNING recipient_id
    ), added AS (
        INSERT INTO notifications
            (recipient_id, event_id, kind, actor_id, article_slug, article_title, comment_id, created_at)
        SELECT told.recipient_id, %(event_id)s, %(kind)s, %(actor)s, %(slug)s, %(title)s, %(comment_id)s,
               %(created_at)s
        FROM told
        ON CONFLICT (event_id, recipient_id) DO NOTHING
        RETURNING recipient_id
    )
    SELECT pg_notify(%(channel)s, CASE WHEN length(ids) <= %(longest)s THEN ids ELSE %(everyone)s END)
    FROM (SELECT string_agg(DISTINCT recipient_id::text, ',') AS ids FROM added) AS recipients
    WHERE ids IS NOT NULL
    """
)

INSERT_FOR_FOLLOWERS = Statement(
    """
    WITH added AS (
        INSERT INTO notifications
            (recipient_id, event_id, kind, actor_id, article_slug, article_title, comment_id, created_at)
        SELECT f.follower_id, %(event_id)s, %(kind)s, %(actor)s, %(slug)s, %(title)s, %(comment_id)s,
               %(created_at)s
        FROM follows f WHERE f.followee_id = %(followee)s
        ON CONFLICT (event_id, recipient_id) DO NOTHING
        RETURNING recipient_id
    )
    SELECT pg_notify(%(channel)s, CASE WHEN length(ids) <= %(longest)s THEN ids ELSE %(everyone)s END)
    FROM (SELECT string_agg(DISTINCT recipient_id::text, ',') AS ids FROM added) AS recipients
    WHERE ids IS NOT NULL
    """
)

MARK_READ = Statement(
    """
    UPDATE notifications SET read_at = %(now)s
    WHERE recipient_id = %(recipient)s AND id <= %(up_to)s AND read_at IS NULL
    """
)


def _params(event_id: int, note: NewNotification) -> dict[str, object]:
    return {
        "event_id": event_id,
        "kind": note.kind.value,
        "actor": note.actor_id,
        "slug": note.article_slug,
        "title": note.article_title,
        "comment_id": note.comment_id,
        "created_at": note.created_at,
        "channel": CHANNEL,
        "longest": LONGEST_PAYLOAD,
        "everyone": EVERYONE,
    }


class PgNotificationRepository(NotificationRepository):
    def __init__(self, transaction: PipelinedTransaction) -> None:
        self._transaction = transaction

    async def add(self, event_id: int, recipient: UserId, notification: NewNotification) -> None:
        params = {**_params(event_id, notification), "recipient": recipient}
        await self._transaction.send(INSERT_NOTIFICATION, params)

    async def add_once_within(
        self, window: timedelta, event_id: int, recipient: UserId, notification: NewNotification
    ) -> None:
        params = {**_params(event_id, notification), "recipient": recipient, "window": window}
        await self._transaction.send(INSERT_ONCE_WITHIN, params)

    async def add_for_followers(self, event_id: int, followee: UserId, notification: NewNotification) -> None:
        params = {**_params(event_id, notification), "followee": followee}
        await self._transaction.send(INSERT_FOR_FOLLOWERS, params)

    async def mark_read(self, recipient: UserId, up_to: int, now: datetime) -> None:
        params = {"recipient": recipient, "up_to": up_to, "now": now}
        await self._transaction.send(MARK_READ, params)
