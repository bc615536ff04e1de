"""PostgreSQL-only: a revocation committed after another process's refresh, by a transaction that had
already made its change before that refresh, still reaches that process."""

import asyncio
import time

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.security_stamps import PgSecurityStamps
from adapters.postgres.uow import PostgresUnitOfWork
from application.views import REVOCATION_SECONDS
from domain.users import FIRST_SECURITY_STAMP, NewUser, PasswordHash, SecurityStamp, UserChanges
from tests.support.fakes import SteppingClock

pytestmark = pytest.mark.postgres

Pool = AsyncConnectionPool[AsyncConnection]
REVOKED = SecurityStamp(4242)


@pytest.mark.usefixtures("clean_pg")
async def test_a_revocation_committed_after_a_refresh_that_missed_it_arrives_at_the_next(
    pg_pool: Pool,
) -> None:
    now = SteppingClock().now()
    async with PostgresUnitOfWork(pg_pool) as uow:
        alice = await uow.users.add(NewUser("alice", "a@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), now)
        await uow.commit()
    elsewhere = PgSecurityStamps(pg_pool, interval=0.05)
    assert await elsewhere.current(alice.id) == FIRST_SECURITY_STAMP
    async with PostgresUnitOfWork(pg_pool) as uow:
        await uow.users.update(alice.id, UserChanges(security_stamp=REVOKED), now)
        # Refreshes run while the change is made but not yet committed: they cannot see it.
        for _ in range(3):
            await asyncio.sleep(0.06)
            assert await elsewhere.current(alice.id) == FIRST_SECURITY_STAMP
        await uow.commit()
    deadline = time.monotonic() + REVOCATION_SECONDS
    while await elsewhere.current(alice.id) != REVOKED:
        assert time.monotonic() < deadline, "a revocation committed late was missed"
        await asyncio.sleep(0.01)
