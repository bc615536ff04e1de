from datetime import datetime

from psycopg import AsyncConnection

from adapters.postgres.pool import execute
from application.ports import NotificationRepository
from domain.ids import UserId
from domain.notifications import NewNotification

INSERT_NOTIFICATION = """
INSERT INTO notifications
    (recipient_id, event_id, kind, actor_id, article_slug, article_title, comment_id, created_at)
VALUES (%(recipient)s, %(event_id)s, %(kind)s, %(actor)s, %(slug)s, %(title)s, %(comment_id)s, %(created_at)s)
ON CONFLICT (event_id, recipient_id) DO NOTHING
"""

INSERT_FOR_FOLLOWERS = """
INSERT INTO notifications
    (recipient_id, event_id, kind, actor_id, article_slug, article_title, comment_id, created_at)
SELECT f.follower_id, %(event_id)s, %(kind)s, %(actor)s, %(slug)s, %(title)s, %(comment_id)s, %(created_at)s
FROM follows f WHERE f.followee_id = %(followee)s
ON CONFLICT (event_id, recipient_id) DO NOTHING
"""

MARK_READ = """
UPDATE notifications SET read_at = %(now)s
WHERE recipient_id = %(recipient)s AND id <= %(up_to)s AND read_at IS NULL
"""


def _params(event_id: int, note: NewNotification) -> dict[str, object]:
    return {
        "event_id": event_id,
        "kind": note.kind.value,
        "actor": note.actor_id,
        "slug": note.article_slug,
        "title": note.article_title,
        "comment_id": note.comment_id,
        "created_at": note.created_at,
    }


class PgNotificationRepository(NotificationRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, event_id: int, recipient: UserId, notification: NewNotification) -> None:
        await execute(
            self._conn, INSERT_NOTIFICATION, {**_params(event_id, notification), "recipient": recipient}
        )

    async def add_for_followers(self, event_id: int, followee: UserId, notification: NewNotification) -> None:
        await execute(
            self._conn, INSERT_FOR_FOLLOWERS, {**_params(event_id, notification), "followee": followee}
        )

    async def mark_read(self, recipient: UserId, up_to: int, now: datetime) -> None:
        await execute(self._conn, MARK_READ, {"recipient": recipient, "up_to": up_to, "now": now})
