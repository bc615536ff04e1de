"""Read-port decorators that keep a result for a short time.

The tag list is the same for everyone, asked for on every front page, and changes rarely; reading it
from PostgreSQL on each request would make it the busiest query for no benefit. A result is reused for
``max_age`` seconds; when it expires, one caller refreshes it while the others wait for that same
refresh (no stampede). A change to articles that this process commits empties the cache
(``TagsKeptFresh``, a unit-of-work decorator the container wires): here a new tag is listed at once,
while other processes may list it up to ``max_age`` late.
"""

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import datetime
from types import TracebackType
from typing import Self

from application.ports import ArticleRepository, UnitOfWork
from application.views import TagQueries
from domain.articles import Article, NewArticle
from domain.ids import ArticleId, Slug, UserId


class CachedTagQueries(TagQueries):
    def __init__(self, inner: TagQueries, max_age: float, now: Callable[[], float] = time.monotonic) -> None:
        self._inner, self._max_age, self._now = inner, max_age, now
        self._tags: list[str] | None = None
        self._fresh_until = 0.0
        self._refreshing: asyncio.Future[list[str]] | None = None
        # Bumped by ``forget``: a refresh begun before it neither keeps its result nor is joined after it.
        self._generation = 0

    async def in_use(self) -> list[str]:
        if self._max_age <= 0:
            return await self._inner.in_use()
        if self._tags is not None and self._now() < self._fresh_until:
            return self._tags
        if self._refreshing is None:
            self._refreshing = asyncio.ensure_future(self._refresh(self._generation))
        refreshing = self._refreshing
        return list(await asyncio.shield(refreshing))

    def forget(self) -> None:
        """The tags may have changed: the next caller reads them afresh."""
        self._tags, self._refreshing = None, None
        self._generation += 1

    async def _refresh(self, generation: int) -> list[str]:
        try:
            tags = await self._inner.in_use()
            if generation == self._generation:
                self._tags, self._fresh_until = tags, self._now() + self._max_age
            return tags
        finally:
            if generation == self._generation:
                self._refreshing = None


class TagsKeptFresh(UnitOfWork):
    """``inner``, which makes ``tags`` forget its list once a unit of work that added, changed or deleted
    an article ends (committed, or perhaps so: forgetting too often costs one read)."""

    def __init__(self, inner: UnitOfWork, tags: CachedTagQueries) -> None:
        self._inner, self._tags = inner, tags

    async def __aenter__(self) -> Self:
        self._ending = AsyncExitStack()
        inner = await self._ending.enter_async_context(self._inner)
        self.users, self.writes, self.comments = inner.users, inner.writes, inner.comments
        self.outbox, self.notifications, self.views = inner.outbox, inner.notifications, inner.views
        self.articles = _NotedArticles(inner.articles)
        return self

    async def commit(self) -> None:
        try:
            await self._inner.commit()
        finally:
            if self.articles.changed:
                self._tags.forget()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A unit of work ends alike whether its block raised or not (uncommitted changes are discarded).
        await self._ending.aclose()


class _NotedArticles(ArticleRepository):
    """``inner``, noting whether an article (and so perhaps its tags) was added, changed or deleted."""

    def __init__(self, inner: ArticleRepository) -> None:
        self._inner, self.changed = inner, False

    async def add(self, article: NewArticle, now: datetime) -> Article:
        self.changed = True
        return await self._inner.add(article, now)

    async def get_by_slug(self, slug: Slug) -> Article | None:
        return await self._inner.get_by_slug(slug)

    async def update(self, article: Article) -> None:
        self.changed = True
        await self._inner.update(article)

    async def delete(self, article_id: ArticleId) -> None:
        self.changed = True
        await self._inner.delete(article_id)

    async def favorite(self, article_id: ArticleId, user_id: UserId, now: datetime) -> bool:
        return await self._inner.favorite(article_id, user_id, now)

    async def unfavorite(self, article_id: ArticleId, user_id: UserId) -> bool:
        return await self._inner.unfavorite(article_id, user_id)
