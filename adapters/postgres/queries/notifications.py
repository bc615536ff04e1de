"""A user's notifications inbox."""

from dataclasses import dataclass

from adapters.postgres.pool import Pool
from adapters.postgres.replicas import ReplicaSet, reads_from
from adapters.postgres.statements import Statement
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


class PgNotificationQueries(NotificationQueries):
    def __init__(self, pool: Pool, replicas: ReplicaSet | None = None) -> None:
        self._rows = reads_from(pool, replicas)

    async def inbox(self, recipient: UserId, page: Page) -> NotificationPage:
        params = {"recipient": recipient, "limit": page.limit, "offset": page.offset}
        rows = await self._rows(SELECT_INBOX, params)
        notes = tuple(row.notification for row in rows if row.notification is not None)
        return NotificationPage(notes, rows[0].total, rows[0].unread)
