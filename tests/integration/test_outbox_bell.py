"""Consumers wake as soon as a transaction that recorded events commits, not at their next poll."""

import asyncio
import time

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.events import PgEventSource
from adapters.postgres.outbox import OutboxBell
from adapters.postgres.uow import PostgresUnitOfWork
from adapters.security.clock import SystemClock
from domain.events import UserFollowed
from domain.ids import UserId
from tests.contract.conftest import START

pytestmark = pytest.mark.postgres


@pytest.mark.usefixtures("clean_pg")
async def test_a_commit_with_events_wakes_a_waiting_consumer(
    pg_url: str, pg_pool: AsyncConnectionPool[AsyncConnection]
) -> None:
    source = PgEventSource(pg_pool, pg_url, SystemClock())
    await source.wait(0.01)  # starts listening
    waiting = asyncio.create_task(source.wait(30))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    async with PostgresUnitOfWork(pg_pool, OutboxBell(pg_pool)) as uow:
        await uow.outbox.add(UserFollowed(UserId(1), UserId(2)), START)
        await uow.commit()
    await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - started < 2
    await source.aclose()


async def test_a_burst_of_rings_sends_few_notifications(
    pg_url: str, pg_pool: AsyncConnectionPool[AsyncConnection]
) -> None:
    async with await AsyncConnection.connect(pg_url, autocommit=True) as listener:
        await listener.execute("LISTEN conduit_outbox")
        bell = OutboxBell(pg_pool)
        for _ in range(50):
            bell.ring()
        received = [n async for n in listener.notifies(timeout=0.5)]
    assert 1 <= len(received) <= 2
