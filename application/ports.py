"""Ports: what the use cases need from the outside world, as structural protocols."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from application.views import ViewsAfterCommit
from domain.articles import Article, NewArticle
from domain.comments import Comment
from domain.events import DomainEvent
from domain.ids import ArticleId, CommentId, Slug, UserId
from domain.notifications import NewNotification
from domain.users import NewUser, PasswordHash, SecurityStamp, User, UserChanges


class UserRepository(Protocol):
    async def add(self, user: NewUser, now: datetime) -> User:
        """Store a new user; raise ``AlreadyExists("username" | "email")`` on a taken value."""
        ...

    async def get_by_username(self, username: str) -> User | None:
        """Case-insensitive lookup."""
        ...

    async def update(self, user_id: UserId, changes: UserChanges, now: datetime) -> User | None:
        """Apply ``changes``; None when the user is gone; ``AlreadyExists`` on a taken value."""
        ...

    async def follow(self, follower: UserId, followee: UserId, now: datetime) -> bool:
        """Idempotent: True if this call created it. ``AuthenticationFailed`` if the follower is gone."""
        ...

    async def unfollow(self, follower: UserId, followee: UserId) -> bool:
        """Idempotent; True if this call removed a follow."""
        ...


class ArticleRepository(Protocol):
    async def add(self, article: NewArticle, now: datetime) -> Article:
        """Store a new article and link its tags; ``AlreadyExists("slug")`` leaves nothing behind, so the
        caller may retry with another slug in the same unit of work. ``AuthenticationFailed`` if the author
        is gone."""
        ...

    async def get_by_slug(self, slug: Slug) -> Article | None:
        """The article, held for this unit of work: no other one changes it until this one ends, so what
        this one writes back or counts is based on the article as it is."""
        ...

    async def update(self, article: Article) -> None:
        """Write back an article this unit of work read, with its changes (its tags included)."""
        ...

    async def delete(self, article_id: ArticleId) -> None:
        """Remove an article this unit of work read, with its comments, favorites and tag links."""
        ...

    async def favorite(self, article_id: ArticleId, user_id: UserId, now: datetime) -> bool:
        """Idempotent; True if this call added the favorite. ``AuthenticationFailed`` if the user is gone."""
        ...

    async def unfavorite(self, article_id: ArticleId, user_id: UserId) -> bool:
        """Idempotent; True if this call removed a favorite."""
        ...


class CommentRepository(Protocol):
    async def add(self, article_id: ArticleId, author_id: UserId, body: str, now: datetime) -> Comment:
        """``AuthenticationFailed`` if the author is gone."""
        ...

    async def get(self, comment_id: CommentId) -> Comment | None: ...

    async def delete(self, comment_id: CommentId) -> None: ...


class Outbox(Protocol):
    async def add(self, event: DomainEvent, now: datetime) -> None:
        """Record ``event`` in the unit of work's transaction: it exists exactly when the change commits."""
        ...


class NotificationRepository(Protocol):
    async def add(self, event_id: int, recipient: UserId, notification: NewNotification) -> None:
        """Idempotent per (event, recipient): redelivering an event notifies nobody twice."""
        ...

    async def add_once_within(
        self, window: timedelta, event_id: int, recipient: UserId, notification: NewNotification
    ) -> None:
        """Like ``add``, unless the recipient was told of this kind, actor and article (if any) less than
        ``window`` before ``notification.created_at``: safe against concurrent deliveries."""
        ...

    async def add_for_followers(self, event_id: int, followee: UserId, notification: NewNotification) -> None:
        """The same notification for everyone following ``followee``, idempotent like ``add``."""
        ...

    async def mark_read(self, recipient: UserId, up_to: int, now: datetime) -> None:
        """Mark the recipient's notifications with ids up to ``up_to`` read."""
        ...


class WriteBudget(Protocol):
    async def spend(self, user_id: UserId, now: datetime) -> None:
        """Count one write of the user's against their ``application.throttling.WriteLimit``: when none
        is left, ``RateLimited``, raised here or at the commit, and the unit of work changes nothing."""
        ...


class UnitOfWork(Protocol):
    """One transaction. ``commit()`` ends it and must come last; leaving the block without it discards
    every change made in it."""

    users: UserRepository
    writes: WriteBudget
    articles: ArticleRepository
    comments: CommentRepository
    outbox: Outbox
    notifications: NotificationRepository
    views: ViewsAfterCommit

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> PasswordHash: ...

    async def verify(self, password: str, hashed: PasswordHash) -> bool: ...

    def needs_rehash(self, hashed: PasswordHash) -> bool:
        """True when ``hashed`` was made with weaker parameters than today's."""
        ...

    async def waste_time(self, password: str) -> None:
        """Cost as much as a verification, so an unknown email answers as slowly as a known one."""
        ...


class CommonPasswords(Protocol):
    async def includes(self, password: str, context: Sequence[str] = ()) -> bool:
        """True when ``password`` is, as a whole, one of the most commonly used passwords or one of the
        ``context`` words (the account's username, say), in any case, reversed or with l33t swaps."""
        ...


class LookalikeNames(Protocol):
    def passes_for_another(self, name: str) -> bool:
        """True when ``name`` mixes scripts, and a letter of one looks like a letter of another
        (``paypal`` with a Cyrillic U+0430 for an ``a``): a name made to be mistaken for another."""
        ...


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: UserId
    security_stamp: SecurityStamp  # the user's when the token was issued
    # Not compared: two tokens that say the same user and stamp are the same claims.
    expires_at: datetime | None = field(default=None, compare=False)  # None: the service does not say


class TokenService(Protocol):
    def issue(self, user_id: UserId, security_stamp: SecurityStamp) -> str: ...

    def claims(self, token: str) -> TokenClaims:
        """What a valid token says; ``AuthenticationFailed`` when it is expired, forged or malformed."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """A read replica as its last check found it: "in rotation", "lagging" (further behind than reads
    may be) or "down" (``trouble`` says why); ``lag_ms`` is an upper bound, None before any check."""

    name: str
    state: str
    lag_ms: int | None
    trouble: str | None


class DatabaseProbe(Protocol):
    async def schema_revision(self) -> str | None:
        """The schema's migration revision; ``StorageUnavailable`` if the database cannot be reached."""
        ...

    def replicas(self) -> Sequence[ReplicaState]:
        """The read replicas, as last checked; none when reads go to the primary alone."""
        ...
