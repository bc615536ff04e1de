"""The read ports over the committed in-memory state; tests/contract proves them equal to the SQL ones."""

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import fields
from typing import TypeVar

from adapters.memory.store import InMemoryStore, NotificationRecord, State
from application.live_notifications import NewNotifications
from application.notifications import (
    NotificationPage,
    NotificationQueries,
    NotificationView,
    NotifiedArticle,
    NotifiedComment,
)
from application.views import (
    AfterCommit,
    ArticleFilter,
    ArticlePage,
    ArticleQueries,
    ArticleSummary,
    ArticleView,
    CommentQueries,
    CommentView,
    Credentials,
    ProfileQueries,
    ProfileView,
    SecurityStamps,
    TagQueries,
    UserDirectory,
    UserQueries,
    UserSummary,
    ViewsAfterCommit,
)
from domain.articles import Article, most_used_first
from domain.comments import Comment
from domain.ids import CommentId, Slug, UserId
from domain.pagination import Page
from domain.users import SecurityStamp, User, username_key


def _profile(state: State, user_id: UserId, viewer: UserId | None) -> ProfileView:
    user = state.users[user_id].user
    following = viewer is not None and (viewer, user_id) in state.follows
    return ProfileView(user.username, user.bio, user.image, following)


def _summary(state: State, article: Article, viewer: UserId | None) -> ArticleSummary:
    return ArticleSummary(
        article.slug,
        article.title,
        article.description,
        article.tags,
        article.created_at,
        article.updated_at,
        viewer is not None and (viewer, article.id) in state.favorites,
        state.favorites_count(article.id),
        _profile(state, article.author_id, viewer),
    )


def _view(state: State, article: Article, viewer: UserId | None) -> ArticleView:
    summary = _summary(state, article, viewer)
    return ArticleView(**{f.name: getattr(summary, f.name) for f in fields(summary)}, body=article.body)


def _newest_first(articles: Iterable[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.created_at, a.id), reverse=True)


class InMemoryArticleQueries(ArticleQueries):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, slug: Slug, viewer: UserId | None) -> ArticleView | None:
        state = self._store.state
        article = state.article_by_slug(slug)
        return None if article is None else _view(state, article, viewer)

    async def search(self, where: ArticleFilter, page: Page, viewer: UserId | None) -> ArticlePage:
        state = self._store.state
        matching = list(state.articles.values())
        if where.tag is not None:
            matching = [a for a in matching if where.tag in a.tags]
        if where.author is not None:
            author = state.user_named(where.author)
            matching = [a for a in matching if author is not None and a.author_id == author.id]
        if where.favorited_by is not None:
            fan = state.user_named(where.favorited_by)
            matching = [a for a in matching if fan is not None and (fan.id, a.id) in state.favorites]
        return self._page(state, matching, page, viewer)

    async def feed(self, viewer: UserId, page: Page) -> ArticlePage:
        state = self._store.state
        followed = {followee for follower, followee in state.follows if follower == viewer}
        return self._page(
            state, [a for a in state.articles.values() if a.author_id in followed], page, viewer
        )

    def _page(self, state: State, matching: list[Article], page: Page, viewer: UserId | None) -> ArticlePage:
        chosen = _newest_first(matching)[page.offset : page.offset + page.limit]
        return ArticlePage(tuple(_summary(state, a, viewer) for a in chosen), len(matching))


class InMemoryCommentQueries(CommentQueries):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def for_article(self, slug: Slug, viewer: UserId | None) -> list[CommentView] | None:
        state = self._store.state
        article = state.article_by_slug(slug)
        if article is None:
            return None
        on_article = [c for c in state.comments.values() if c.article_id == article.id]
        newest_first = sorted(on_article, key=lambda c: (c.created_at, c.id), reverse=True)
        return [self._view(state, c, viewer) for c in newest_first]

    async def get(self, comment_id: CommentId, viewer: UserId | None) -> CommentView | None:
        state = self._store.state
        comment = state.comments.get(comment_id)
        return None if comment is None else self._view(state, comment, viewer)

    def _view(self, state: State, comment: Comment, viewer: UserId | None) -> CommentView:
        author = _profile(state, comment.author_id, viewer)
        return CommentView(comment.id, comment.created_at, comment.created_at, comment.body, author)


class InMemoryProfileQueries(ProfileQueries):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, username: str, viewer: UserId | None) -> ProfileView | None:
        state = self._store.state
        user = state.user_named(username)
        return None if user is None else _profile(state, user.id, viewer)


class InMemoryTagQueries(TagQueries):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def in_use(self) -> list[str]:
        uses = Counter(tag for article in self._store.state.articles.values() for tag in article.tags)
        return most_used_first(uses)


class InMemoryUserQueries(UserQueries):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, user_id: UserId) -> User | None:
        record = self._store.state.users.get(user_id)
        return None if record is None else record.user

    async def credentials(self, email: str) -> Credentials | None:
        wanted = email.lower()
        for record in self._store.state.users.values():
            if record.user.email.lower() == wanted:
                return Credentials(record.user, record.password_hash, record.security_stamp)
        return None


class InMemorySecurityStamps(SecurityStamps):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def current(self, user_id: UserId) -> SecurityStamp | None:
        record = self._store.state.users.get(user_id)
        return None if record is None else record.security_stamp

    def forget(self, user_id: UserId) -> None:
        """Nothing to forget: every read is of the store itself."""


class InMemoryUserDirectory(UserDirectory):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def everyone(self, page: Page) -> tuple[UserSummary, ...]:
        users = sorted(
            (r.user for r in self._store.state.users.values()), key=lambda u: username_key(u.username)
        )
        return tuple(UserSummary(u.username, u.email) for u in users[page.offset : page.offset + page.limit])


class InMemoryNotificationQueries(NotificationQueries, NewNotifications):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.signals = store.notified  # the streams' signals, for the composition root to hand them

    async def inbox(self, recipient: UserId, page: Page) -> NotificationPage:
        state = self._store.state
        mine = sorted(
            (n for n in state.notifications.values() if n.recipient_id == recipient), key=lambda n: -n.id
        )
        views = tuple(_notification(state, n) for n in mine[page.offset : page.offset + page.limit])
        return NotificationPage(views, len(mine), sum(not n.read for n in mine))

    async def after(self, recipient: UserId, after_id: int, limit: int) -> tuple[NotificationView, ...]:
        state = self._store.state
        newer = sorted(
            (n for n in state.notifications.values() if n.recipient_id == recipient and n.id > after_id),
            key=lambda n: n.id,
        )
        return tuple(_notification(state, n) for n in newer[:limit])

    async def newest_id(self, recipient: UserId) -> int:
        notes = self._store.state.notifications.values()
        return max((n.id for n in notes if n.recipient_id == recipient), default=0)

    async def recipients_of(self, event_id: int) -> tuple[UserId, ...]:
        notes = self._store.state.notifications.values()
        return tuple(sorted({n.recipient_id for n in notes if n.event_id == event_id}))


def _notification(state: State, n: NotificationRecord) -> NotificationView:
    return NotificationView(
        n.id,
        n.note.kind,
        n.note.created_at,
        n.read,
        _profile(state, n.note.actor_id, n.recipient_id),
        None
        if n.note.article_slug is None
        else NotifiedArticle(n.note.article_slug, n.note.article_title or ""),
        None if n.note.comment_id is None else NotifiedComment(n.note.comment_id),
    )


V = TypeVar("V")


class InMemoryViewsAfterCommit(ViewsAfterCommit):
    """Reads the views over the committed state once the unit of work has published it (``resolve``)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._articles = InMemoryArticleQueries(store)
        self._comments = InMemoryCommentQueries(store)
        self._profiles = InMemoryProfileQueries(store)
        self._reads: list[Callable[[], Awaitable[None]]] = []

    def article(self, slug: Slug, viewer: UserId | None) -> AfterCommit[ArticleView | None]:
        return self._later(lambda: self._articles.get(slug, viewer))

    def comment(self, comment_id: CommentId, viewer: UserId | None) -> AfterCommit[CommentView | None]:
        return self._later(lambda: self._comments.get(comment_id, viewer))

    def profile(self, username: str, viewer: UserId | None) -> AfterCommit[ProfileView | None]:
        return self._later(lambda: self._profiles.get(username, viewer))

    async def resolve(self) -> None:
        for read in self._reads:
            await read()

    def _later(self, read: Callable[[], Awaitable[V]]) -> AfterCommit[V]:
        answer: AfterCommit[V] = AfterCommit()

        async def resolve() -> None:
            answer.resolve(await read())

        self._reads.append(resolve)
        return answer
