"""PostgreSQL-only: a process takes several of a user's writes at once and spends them without a
statement, yet all processes together never spend more than the budget, and a write that does not
commit gives its leased write back."""

from datetime import timedelta

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.uow import PostgresUnitOfWork
from adapters.postgres.write_budgets import WriteLeases, lease_size
from application.errors import RateLimited
from application.throttling import WriteLimit
from domain.users import FIRST_SECURITY_STAMP, NewUser, PasswordHash, User, UserChanges
from tests.support.fakes import SteppingClock

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("clean_pg")]

Pool = AsyncConnectionPool[AsyncConnection]
LIMIT = WriteLimit(per_minute=0.001, burst=60)  # no refill worth counting within a test
START = SteppingClock().now()


async def new_user(pool: Pool) -> User:
    async with PostgresUnitOfWork(pool) as uow:
        user = await uow.users.add(NewUser("alice", "a@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), START)
        await uow.commit()
    return user


async def write(pool: Pool, leases: WriteLeases, user: User, n: int) -> bool:
    """One bio change spending a write; False when the budget refused it."""
    now = START + timedelta(milliseconds=n)
    try:
        async with PostgresUnitOfWork(pool, None, LIMIT, leases) as uow:
            await uow.writes.spend(user.id, now)
            await uow.users.update(user.id, UserChanges(bio=f"write {n}"), now)
            await uow.commit()
    except RateLimited:
        return False
    return True


async def last_taken(pool: Pool) -> int:
    """How many writes the last committed spend took at once."""
    async with pool.connection() as conn:
        row = await (await conn.execute("SELECT taken FROM write_budgets")).fetchone()
    assert row is not None
    return int(row[0])


async def test_one_process_spends_exactly_the_budget_with_one_statement_per_lease(pg_pool: Pool) -> None:
    user, leases = await new_user(pg_pool), WriteLeases()
    made = [await write(pg_pool, leases, user, n) for n in range(LIMIT.burst + 3)]
    assert made == [True] * LIMIT.burst + [False] * 3
    assert lease_size(LIMIT) == 5
    assert await last_taken(pg_pool) == 5


async def test_processes_together_never_spend_more_than_the_budget(pg_pool: Pool) -> None:
    user = await new_user(pg_pool)
    processes = [WriteLeases() for _ in range(3)]
    made = [await write(pg_pool, processes[n % 3], user, n) for n in range(LIMIT.burst + 20)]
    # Each process may be left holding fewer than a lease that the others cannot use.
    assert LIMIT.burst - 2 * (lease_size(LIMIT) - 1) <= sum(made) <= LIMIT.burst


async def spend_and_fail(pool: Pool, leases: WriteLeases, user: User) -> None:
    async with PostgresUnitOfWork(pool, None, LIMIT, leases) as uow:
        await uow.writes.spend(user.id, START)
        raise RuntimeError("the write failed")


async def test_a_write_that_does_not_commit_gives_its_leased_write_back(pg_pool: Pool) -> None:
    user, leases = await new_user(pg_pool), WriteLeases()
    assert await write(pg_pool, leases, user, 0)  # takes a lease: 1 spent, 4 kept by this process
    for _ in range(10):
        with pytest.raises(RuntimeError):
            await spend_and_fail(pg_pool, leases, user)
    made = [await write(pg_pool, leases, user, n) for n in range(1, LIMIT.burst + 1)]
    assert sum(made) == LIMIT.burst - 1
