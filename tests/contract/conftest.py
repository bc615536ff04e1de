"""One fixture, two backends: every contract test runs against the in-memory twin and against PostgreSQL."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.postgres.uow import PostgresUnitOfWork
from application.ports import UnitOfWork
from tests.support.database import pool_for_tests


@dataclass
class Backend:
    name: str
    new_uow: Callable[[], UnitOfWork]


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        store = InMemoryStore()
        yield Backend("memory", lambda: InMemoryUnitOfWork(store))
        return
    # Async fixtures cannot be requested by name from here, so the pool is opened per test (a few ms).
    url: str = request.getfixturevalue("clean_pg")
    async with pool_for_tests(url) as pool:
        yield Backend("postgres", partial(PostgresUnitOfWork, pool))
