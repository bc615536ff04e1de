"""PostgreSQL-only behaviour: races the database must settle, connection settings, the readiness probe."""

import asyncio
from collections.abc import Iterator

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.probe import PgDatabaseProbe
from adapters.postgres.uow import PostgresUnitOfWork
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.lookalike_names import HomoglyphLookalikeNames
from adapters.security.tokens import JwtTokenService
from application.errors import AlreadyExists
from application.users import RegisterUser, SignedIn
from entrypoints import migrations
from tests.support.database import fresh_database, pool_for_tests
from tests.support.fakes import FakePasswordHasher, SteppingClock

pytestmark = pytest.mark.postgres

Pool = AsyncConnectionPool[AsyncConnection]


def register_user(pool: Pool) -> RegisterUser:
    clock = SteppingClock()
    tokens = JwtTokenService("integration-secret-long-enough-for-hs256", 60, clock)
    return RegisterUser(
        PostgresUnitOfWork(pool),
        FakePasswordHasher(),
        ZxcvbnCommonPasswords(),
        HomoglyphLookalikeNames(),
        tokens,
        clock,
    )


@pytest.mark.usefixtures("clean_pg")
async def test_racing_registrations_of_one_name_admit_exactly_one(pg_pool: Pool) -> None:
    # Half of them differ only in case: the unique index is on lower(username).
    names = ["racer" if i % 2 else "RACER" for i in range(12)]
    attempts = [register_user(pg_pool)(name, f"r{i}@example.com", "pw123456") for i, name in enumerate(names)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    winners = [r for r in results if isinstance(r, SignedIn)]
    losers = [r for r in results if isinstance(r, AlreadyExists)]
    assert len(winners) == 1
    assert len(losers) == 11
    assert {loser.field for loser in losers} == {"username"}


@pytest.mark.usefixtures("clean_pg")
async def test_racing_registrations_of_one_email_admit_exactly_one(pg_pool: Pool) -> None:
    attempts = [register_user(pg_pool)(f"user{i}", "Same@Example.com", "pw123456") for i in range(12)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    assert sum(isinstance(r, SignedIn) for r in results) == 1
    assert {r.field for r in results if isinstance(r, AlreadyExists)} == {"email"}


async def test_pool_connections_carry_the_statement_timeout(pg_url: str) -> None:
    async with pool_for_tests(pg_url, max_size=2) as pool, pool.connection() as conn:
        cursor = await conn.execute("SHOW statement_timeout")
        assert await cursor.fetchone() == ("10s",)


@pytest.mark.usefixtures("clean_pg")
async def test_prepared_statements_can_be_turned_off(pg_url: str) -> None:
    async with pool_for_tests(pg_url, max_size=2, prepare_threshold=None) as pool:
        register = register_user(pool)
        for i in range(8):  # beyond the default threshold, where statements would be prepared
            await register(f"u{i}", f"u{i}@example.com", "pw123456")
        async with pool.connection() as conn:
            cursor = await conn.execute("SELECT count(*) FROM pg_prepared_statements")
            assert await cursor.fetchone() == (0,)


async def test_probe_reports_the_migrated_revision(pg_pool: Pool) -> None:
    assert await PgDatabaseProbe(pg_pool).schema_revision() == migrations.head_revision()


@pytest.fixture
def unmigrated_url(pg_server: str) -> Iterator[str]:
    with fresh_database(pg_server, "bare") as url:
        yield url


async def test_probe_reports_no_revision_on_an_unmigrated_database(unmigrated_url: str) -> None:
    async with pool_for_tests(unmigrated_url, max_size=1) as pool:
        assert await PgDatabaseProbe(pool).schema_revision() is None
