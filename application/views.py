"""The read side: query ports and the ready-to-render views they return (one statement per call)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from application.errors import NotFound
from domain.ids import CommentId, Slug, UserId
from domain.pagination import Page
from domain.users import PasswordHash, SecurityStamp, User


@dataclass(frozen=True, slots=True)
class ProfileView:
    username: str
    bio: str
    image: str  # "" when the user has none
    following: bool


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article as lists show it: everything but its body (RealWorld 1.1.0 leaves bodies out of lists)."""

    slug: Slug
    title: str
    description: str
    tag_list: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    favorited: bool
    favorites_count: int
    author: ProfileView


@dataclass(frozen=True, slots=True)
class ArticleView(ArticleSummary):
    body: str


@dataclass(frozen=True, slots=True)
class ArticlePage:
    articles: tuple[ArticleSummary, ...]
    count: int  # every article matching the filter, not only this page's


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    tag: str | None = None
    author: str | None = None
    favorited_by: str | None = None


@dataclass(frozen=True, slots=True)
class CommentView:
    id: CommentId
    created_at: datetime
    updated_at: datetime
    body: str
    author: ProfileView


@dataclass(frozen=True, slots=True)
class UserSummary:
    username: str
    email: str


@dataclass(frozen=True, slots=True)
class Credentials:
    user: User
    password_hash: PasswordHash
    security_stamp: SecurityStamp


class SecurityStamps(Protocol):
    """Every user's current security stamp, asked for by every authenticated request."""

    async def current(self, user_id: UserId) -> SecurityStamp | None:
        """None when there is no such user. A stamp changed by another process may be seen up to
        ``REVOCATION_SECONDS`` late; one changed by this process is seen once it calls ``forget``."""
        ...

    def forget(self, user_id: UserId) -> None:
        """This process has just changed the user's stamp."""
        ...


# How late a revocation may reach another process.
REVOCATION_SECONDS = 1.0


class UserQueries(Protocol):
    async def get(self, user_id: UserId) -> User | None: ...

    async def credentials(self, email: str) -> Credentials | None:
        """Case-insensitive lookup by email, with the stored hash for verification."""
        ...


class UserDirectory(Protocol):
    async def everyone(self, page: Page) -> tuple[UserSummary, ...]:
        """Users by username (case-insensitive), for administrators."""
        ...


class ArticleQueries(Protocol):
    async def get(self, slug: Slug, viewer: UserId | None) -> ArticleView | None: ...

    async def search(self, where: ArticleFilter, page: Page, viewer: UserId | None) -> ArticlePage:
        """Newest first (ties: newest id first), without bodies."""
        ...

    async def feed(self, viewer: UserId, page: Page) -> ArticlePage:
        """Articles by the authors ``viewer`` follows, newest first, without bodies."""
        ...


class CommentQueries(Protocol):
    async def for_article(self, slug: Slug, viewer: UserId | None) -> list[CommentView] | None:
        """Newest first; None when there is no such article."""
        ...

    async def get(self, comment_id: CommentId, viewer: UserId | None) -> CommentView | None: ...


class ProfileQueries(Protocol):
    async def get(self, username: str, viewer: UserId | None) -> ProfileView | None:
        """Case-insensitive lookup."""
        ...


class TagQueries(Protocol):
    async def in_use(self) -> list[str]:
        """Tags of at least one article: most used first, then by name."""
        ...


T = TypeVar("T")


class AfterCommit(Generic[T]):
    """A view asked for inside a unit of work, as it stands with the unit's changes: ``value`` is there
    once ``commit()`` has returned, so only a change that committed is ever shown."""

    __slots__ = ("_ready", "_value")

    def __init__(self) -> None:
        self._ready = False

    def resolve(self, value: T) -> None:
        self._value, self._ready = value, True

    @property
    def value(self) -> T:
        if not self._ready:
            raise RuntimeError("a view read after commit is asked for before the commit")
        return self._value


def shown(view: AfterCommit[T | None], what: str) -> T:
    """The view a write answers with; ``NotFound(what)`` if it is gone (a concurrent request deleted it
    first)."""
    if view.value is None:
        raise NotFound(what)
    return view.value


class ViewsAfterCommit(Protocol):
    """What a write use case answers with: the view as a reader sees it once the change is made, without a
    second trip to the database (the PostgreSQL unit of work sends these reads with its COMMIT, just
    before it, inside the transaction)."""

    def article(self, slug: Slug, viewer: UserId | None) -> AfterCommit[ArticleView | None]: ...

    def comment(self, comment_id: CommentId, viewer: UserId | None) -> AfterCommit[CommentView | None]: ...

    def profile(self, username: str, viewer: UserId | None) -> AfterCommit[ProfileView | None]: ...
