"""Read-port decorators that keep a result for a short time.

The tag list is the same for everyone, asked for on every front page, and changes rarely; reading it
from PostgreSQL on each request would make it the busiest query for no benefit. A result is reused for
``max_age`` seconds; when it expires, one caller refreshes it while the others wait for that same
refresh (no stampede). A change to articles that this process commits empties the cache (the container
hands ``forget`` to the units of work as their ``articles_changed``): here a new tag is listed at once,
while other processes may list it up to ``max_age`` late.
"""

import asyncio
import time
from collections.abc import Callable

from application.views import TagQueries


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
