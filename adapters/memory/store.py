"""The state every in-memory adapter shares, standing in for the database."""

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import datetime

from adapters.memory.notification_signals import InMemoryNotificationSignals
from application.throttling import Budget
from domain.articles import Article
from domain.comments import Comment
from domain.events import DomainEvent
from domain.ids import ArticleId, CommentId, UserId
from domain.notifications import NewNotification
from domain.users import PasswordHash, SecurityStamp, User, username_key


@dataclass(slots=True)
class UserRecord:
    user: User
    password_hash: PasswordHash
    security_stamp: SecurityStamp
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class OutboxRecord:
    id: int
    event: DomainEvent
    created_at: datetime
    available_at: datetime
    failures: int = 0
    status: str = "pending"  # pending | done | dead
    last_error: str | None = None
    processed_at: datetime | None = None


@dataclass(slots=True)
class NotificationRecord:
    id: int
    recipient_id: UserId
    event_id: int
    note: NewNotification
    read: bool = False


@dataclass(slots=True)
class State:
    users: dict[UserId, UserRecord] = field(default_factory=dict)
    follows: dict[tuple[UserId, UserId], datetime] = field(default_factory=dict)  # (follower, followee)
    articles: dict[ArticleId, Article] = field(default_factory=dict)
    favorites: dict[tuple[UserId, ArticleId], datetime] = field(default_factory=dict)
    comments: dict[CommentId, Comment] = field(default_factory=dict)
    outbox: dict[int, OutboxRecord] = field(default_factory=dict)
    notifications: dict[int, NotificationRecord] = field(default_factory=dict)
    last_outbox_id: int = 0
    last_notification_id: int = 0
    last_user_id: int = 0
    last_article_id: int = 0
    last_comment_id: int = 0
    write_budgets: dict[UserId, Budget] = field(default_factory=dict)
    # (recipient, actor, kind, article slug or "") → when the recipient was last told of it
    told: dict[tuple[UserId, UserId, str, str], datetime] = field(default_factory=dict)

    def snapshot(self) -> "State":
        return copy.deepcopy(self)

    def user_named(self, username: str) -> User | None:
        wanted = username_key(username)
        return next((r.user for r in self.users.values() if username_key(r.user.username) == wanted), None)

    def article_by_slug(self, slug: str) -> Article | None:
        return next((a for a in self.articles.values() if a.slug == slug), None)

    def favorites_count(self, article_id: ArticleId) -> int:
        return sum(1 for _, favorited in self.favorites if favorited == article_id)


class InMemoryStore:
    """Holds the committed state. One unit of work at a time: serializable, and nothing to retry."""

    def __init__(self) -> None:
        self.state = State()
        self.lock = asyncio.Lock()
        # Woken by the unit of work that commits new notifications, heard by the open streams.
        self.notified = InMemoryNotificationSignals()
