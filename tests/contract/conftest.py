"""One fixture, two backends: every contract test runs against the in-memory twin and against PostgreSQL."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from adapters.memory.attempts import InMemoryAttemptCounts
from adapters.memory.events import InMemoryEventSource
from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryNotificationQueries,
    InMemoryProfileQueries,
    InMemorySecurityStamps,
    InMemoryTagQueries,
    InMemoryUserQueries,
)
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.postgres.attempts import PgAttemptCounts
from adapters.postgres.events import PgEventSource
from adapters.postgres.pool import Pool
from adapters.postgres.queries.articles import PgArticleQueries
from adapters.postgres.queries.comments import PgCommentQueries
from adapters.postgres.queries.notifications import PgNotificationQueries
from adapters.postgres.queries.people import PgProfileQueries, PgUserQueries
from adapters.postgres.queries.tags import PgTagQueries
from adapters.postgres.security_stamps import PgSecurityStamps
from adapters.postgres.uow import PostgresUnitOfWork
from adapters.postgres.write_budgets import WriteLeases
from application.events import EventSource
from application.notifications import NotificationQueries
from application.ports import UnitOfWork
from application.throttling import AttemptCounts, WriteLimit
from application.views import (
    ArticleQueries,
    CommentQueries,
    ProfileQueries,
    SecurityStamps,
    TagQueries,
    UserQueries,
)
from domain.articles import Article, NewArticle
from domain.ids import Slug, UserId
from domain.users import FIRST_SECURITY_STAMP, NewUser, PasswordHash, User
from tests.support.database import pool_for_tests, truncate_all
from tests.support.fakes import SteppingClock

START = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@dataclass
class Backend:
    name: str
    clock: SteppingClock  # the event source's: what time it is for the outbox
    new_uow: Callable[[], UnitOfWork]
    articles: ArticleQueries
    comments: CommentQueries
    profiles: ProfileQueries
    tags: TagQueries
    events: EventSource
    notifications: NotificationQueries
    accounts: UserQueries
    new_stamps: Callable[[], SecurityStamps]  # another process's, when called again
    attempts: AttemptCounts
    limited_uow: Callable[[WriteLimit], UnitOfWork]  # a unit of work that spends writes by this limit

    async def user(self, name: str) -> User:
        async with self.new_uow() as uow:
            stored = await uow.users.add(
                NewUser(name, f"{name}@example.com", PasswordHash(f"hash-{name}"), FIRST_SECURITY_STAMP),
                START,
            )
            await uow.commit()
        return stored

    async def article(
        self,
        author: User,
        title: str,
        *,
        tags: tuple[str, ...] = (),
        at: datetime = START,
        slug: str | None = None,
    ) -> Article:
        draft = NewArticle(
            Slug(slug or title.lower().replace(" ", "-")), author.id, title, "about", "text", tags
        )
        async with self.new_uow() as uow:
            stored = await uow.articles.add(draft, at)
            await uow.commit()
        return stored

    async def favorite(self, user: User, article: Article) -> bool:
        async with self.new_uow() as uow:
            added = await uow.articles.favorite(article.id, user.id, START)
            await uow.commit()
        return added

    async def follow(self, follower: User, followee: User) -> bool:
        async with self.new_uow() as uow:
            added = await uow.users.follow(follower.id, followee.id, START)
            await uow.commit()
        return added


def minutes(n: int) -> datetime:
    return START + timedelta(minutes=n)


def nobody() -> UserId:
    return UserId(987_654)


def memory_backend() -> Backend:
    store, clock = InMemoryStore(), SteppingClock()
    return Backend(
        "memory",
        clock,
        partial(InMemoryUnitOfWork, store),
        InMemoryArticleQueries(store),
        InMemoryCommentQueries(store),
        InMemoryProfileQueries(store),
        InMemoryTagQueries(store),
        InMemoryEventSource(store, clock),
        InMemoryNotificationQueries(store),
        InMemoryUserQueries(store),
        partial(InMemorySecurityStamps, store),
        InMemoryAttemptCounts(),
        partial(InMemoryUnitOfWork, store),
    )


@asynccontextmanager
async def postgres_backend(url: str) -> AsyncIterator[Backend]:
    # Async fixtures cannot be requested by name from a fixture, so the pool is opened per test (a few ms).
    async with pool_for_tests(url) as pool:
        clock = SteppingClock()
        events = PgEventSource(pool, url, clock)
        yield Backend(
            "postgres",
            clock,
            partial(PostgresUnitOfWork, pool),
            PgArticleQueries(pool),
            PgCommentQueries(pool),
            PgProfileQueries(pool),
            PgTagQueries(pool),
            events,
            PgNotificationQueries(pool),
            PgUserQueries(pool),
            # Refreshing often, so a test waits a fraction of the second a revocation may take.
            partial(PgSecurityStamps, pool, interval=0.05),
            PgAttemptCounts(pool),
            partial(_limited_pg_uow, pool, WriteLeases()),
        )
        await events.aclose()


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield memory_backend()
        return
    async with postgres_backend(request.getfixturevalue("clean_pg")) as found:
        yield found


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
async def collated_backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """Like ``backend``, with PostgreSQL on a database whose default collation is linguistic: an order that
    came from the database instead of from Conduit would differ between the two."""
    if request.param == "memory":
        yield memory_backend()
        return
    url: str = request.getfixturevalue("collated_pg_url")
    truncate_all(url)
    async with postgres_backend(url) as found:
        yield found


def _limited_pg_uow(pool: Pool, leases: WriteLeases, limit: WriteLimit) -> UnitOfWork:
    return PostgresUnitOfWork(pool, None, limit, leases)
