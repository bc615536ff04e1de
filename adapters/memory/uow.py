from collections.abc import Callable
from types import TracebackType
from typing import Self

from adapters.memory.articles import InMemoryArticleRepository
from adapters.memory.comments import InMemoryCommentRepository
from adapters.memory.events import InMemoryOutbox
from adapters.memory.notifications import InMemoryNotificationRepository
from adapters.memory.queries import InMemoryViewsAfterCommit
from adapters.memory.store import InMemoryStore
from adapters.memory.users import InMemoryUserRepository
from adapters.memory.write_budgets import InMemoryWriteBudget
from application.ports import UnitOfWork
from application.throttling import WriteLimit


class InMemoryUnitOfWork(UnitOfWork):
    """Works on a private copy of the state; ``commit()`` publishes it, leaving without it throws it away."""

    def __init__(
        self,
        store: InMemoryStore,
        write_limit: WriteLimit | None = None,
        articles_changed: Callable[[], None] | None = None,
    ) -> None:
        self._store, self._write_limit, self._articles_changed = store, write_limit, articles_changed

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._working = self._store.state.snapshot()
        self.users = InMemoryUserRepository(self._working)
        self.writes = InMemoryWriteBudget(self._working, self._write_limit)
        self.articles = InMemoryArticleRepository(self._working)
        self.comments = InMemoryCommentRepository(self._working)
        self.outbox = InMemoryOutbox(self._working)
        self.notifications = InMemoryNotificationRepository(self._working)
        self.views = InMemoryViewsAfterCommit(self._store)
        return self

    async def commit(self) -> None:
        self._store.state = self._working
        if self.notifications.recipients:
            self._store.notified.notify(self.notifications.recipients)
        if self.articles.changed and self._articles_changed is not None:
            self._articles_changed()
        await self.views.resolve()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._store.lock.release()
