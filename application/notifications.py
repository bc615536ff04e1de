"""The notifications inbox: built from domain events by the queue consumer, read through the API."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.events import StoredEvent
from application.ports import Clock, UnitOfWork
from application.views import ProfileView
from domain.events import ArticleFavorited, ArticlePublished, CommentAdded, UserFollowed
from domain.ids import CommentId, Slug, UserId
from domain.notifications import NewNotification, NotificationKind
from domain.pagination import Page


class DeliverNotifications:
    """The event handler: who should hear about what. Idempotent, so redelivery is harmless. Follows and
    favorites that are undone and done again notify once per ``repeat_window`` (zero: every time)."""

    def __init__(self, uow: UnitOfWork, repeat_window: timedelta) -> None:
        self._uow, self._repeat_window = uow, repeat_window

    async def __call__(self, stored: StoredEvent) -> None:
        event, at = stored.event, stored.occurred_at
        async with self._uow as uow:
            match event:
                case ArticlePublished():
                    note = NewNotification(
                        NotificationKind.ARTICLE_PUBLISHED, event.author_id, at, event.slug, event.title
                    )
                    await uow.notifications.add_for_followers(stored.id, event.author_id, note)
                case ArticleFavorited() if event.user_id != event.author_id:
                    note = NewNotification(
                        NotificationKind.ARTICLE_FAVORITED, event.user_id, at, event.slug, event.title
                    )
                    await self._tell(uow, stored.id, event.author_id, note)
                case CommentAdded() if event.author_id != event.article_author_id:
                    note = NewNotification(
                        NotificationKind.COMMENT_ADDED,
                        event.author_id,
                        at,
                        event.slug,
                        event.title,
                        event.comment_id,
                    )
                    await uow.notifications.add(stored.id, event.article_author_id, note)
                case UserFollowed():
                    note = NewNotification(NotificationKind.USER_FOLLOWED, event.follower_id, at)
                    await self._tell(uow, stored.id, event.followee_id, note)
            await uow.commit()

    async def _tell(self, uow: UnitOfWork, event_id: int, recipient: UserId, note: NewNotification) -> None:
        if note.kind.undoable and self._repeat_window:
            await uow.notifications.add_once_within(self._repeat_window, event_id, recipient, note)
        else:
            await uow.notifications.add(event_id, recipient, note)


@dataclass(frozen=True, slots=True)
class NotifiedArticle:
    slug: Slug
    title: str


@dataclass(frozen=True, slots=True)
class NotifiedComment:
    id: CommentId


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: int
    kind: NotificationKind
    created_at: datetime
    read: bool
    actor: ProfileView
    article: NotifiedArticle | None  # as it was when the notification was made
    comment: NotifiedComment | None


@dataclass(frozen=True, slots=True)
class NotificationPage:
    notifications: tuple[NotificationView, ...]
    count: int
    unread: int


class NotificationQueries(Protocol):
    async def inbox(self, recipient: UserId, page: Page) -> NotificationPage:
        """Newest first, with the total and unread counts; one statement."""
        ...


class ListNotifications:
    def __init__(self, queries: NotificationQueries) -> None:
        self._queries = queries

    async def __call__(self, recipient: UserId, page: Page) -> NotificationPage:
        return await self._queries.inbox(recipient, page)


class MarkNotificationsRead:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, recipient: UserId, up_to: int) -> None:
        async with self._uow as uow:
            await uow.notifications.mark_read(recipient, up_to, self._clock.now())
            await uow.commit()
