"""A user's notifications inbox."""

from dataclasses import dataclass

from adapters.postgres.pool import Pool, read
from adapters.postgres.replicas import ReplicaSet, reads_from
from adapters.postgres.statements import Statement
from application.live_notifications import NewNotifications
from application.notifications import NotificationPage, NotificationQueries, NotificationView
from domain.ids import UserId
from domain.pagination import Page


@dataclass(slots=True)  # a row, read and dropped: cheaper to build unfrozen
class InInbox:
    total: int  # the recipient's notifications, on every row
    unread: int
    notification: NotificationView | None  # None on the one row of a page past the end


SELECT_INBOX = Statement(
    """
    WITH counts AS (
        SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread
        FROM notifications WHERE recipient_id = %(recipient)s
    ), page AS (
        SELECT * FROM notifications WHERE recipient_id = %(recipient)s
        ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s
    )
    SELECT c.total, c.unread,
           p.id AS notification_id, p.kind AS notification_kind, p.created_at AS notification_created_at,
           p.read_at IS NOT NULL AS notification_read,
           u.username AS notification_actor_username, u.bio AS notification_actor_bio,
           u.image AS notification_actor_image,
           EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(recipient)s AND f.followee_id = u.id)
               AS notification_actor_following,
           p.article_slug AS notification_article_slug, p.article_title AS notification_article_title,
           p.comment_id AS notification_comment_id
    FROM counts c
    LEFT JOIN page p ON true
    LEFT JOIN users u ON u.id = p.actor_id
    ORDER BY p.id DESC
    """,
    InInbox,
)


# A stream's read: the same columns as an inbox row, oldest first after an id; it walks the recipient's
# part of notifications_inbox_idx (recipient_id, id DESC) backwards from that id.
SELECT_AFTER = Statement(
    """
    SELECT n.id, n.kind, n.created_at, n.read_at IS NOT NULL AS read,
           u.username AS actor_username, u.bio AS actor_bio, u.image AS actor_image,
           EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(recipient)s AND f.followee_id = u.id)
               AS actor_following,
           n.article_slug, n.article_title, n.comment_id
    FROM notifications n
    JOIN users u ON u.id = n.actor_id
    WHERE n.recipient_id = %(recipient)s AND n.id > %(after)s
    ORDER BY n.id
    LIMIT %(limit)s
    """,
    NotificationView,
)

# Walks notifications_once_per_event (event_id, recipient_id).
SELECT_RECIPIENTS = Statement("SELECT recipient_id FROM notifications WHERE event_id = %(event)s")

SELECT_NEWEST_ID = Statement(
    "SELECT coalesce(max(id), 0) FROM notifications WHERE recipient_id = %(recipient)s"
)


class PgNotificationQueries(NotificationQueries, NewNotifications):
    def __init__(self, pool: Pool, replicas: ReplicaSet | None = None) -> None:
        self._pool, self._rows = pool, reads_from(pool, replicas)

    async def inbox(self, recipient: UserId, page: Page) -> NotificationPage:
        params = {"recipient": recipient, "limit": page.limit, "offset": page.offset}
        rows = await self._rows(SELECT_INBOX, params)
        notes = tuple(row.notification for row in rows if row.notification is not None)
        return NotificationPage(notes, rows[0].total, rows[0].unread)

    # On the primary, never a replica: a stream reads when the primary's NOTIFY says there is something,
    # which a replica may not have replayed yet; the stream would then wait for the next signal.
    async def after(self, recipient: UserId, after_id: int, limit: int) -> tuple[NotificationView, ...]:
        params = {"recipient": recipient, "after": after_id, "limit": limit}
        return tuple(await read(self._pool, SELECT_AFTER, params))

    async def newest_id(self, recipient: UserId) -> int:
        rows = await read(self._pool, SELECT_NEWEST_ID, {"recipient": recipient})
        return int(rows[0][0])

    async def recipients_of(self, event_id: int) -> tuple[UserId, ...]:
        rows = await read(self._pool, SELECT_RECIPIENTS, {"event": event_id})
        return tuple(UserId(int(row[0])) for row in rows)
