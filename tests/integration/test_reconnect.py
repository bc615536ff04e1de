"""A database restart kills every pooled connection; the next requests must not fail because of it."""

import asyncio
import time
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import AsyncConnection

from adapters.postgres.pool import dropped_by_server
from adapters.postgres.queries.tags import PgTagQueries
from adapters.postgres.uow import PostgresUnitOfWork
from application.errors import StorageUnavailable
from domain.ids import UserId
from tests.support.database import pool_for_tests

pytestmark = pytest.mark.postgres


def kill_connections_of(url: str, application_name: str = "conduit") -> int:
    """Terminate the application's backends and wait until they are gone, as after a server restart."""
    with psycopg.connect(url, autocommit=True) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                """SELECT pid FROM pg_stat_activity WHERE application_name = %s
                   AND pid <> pg_backend_pid() AND datname = current_database()""",
                (application_name,),
            ).fetchall()
        ]
        conn.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
        deadline = time.monotonic() + 10
        while conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "terminated backends did not exit"
            time.sleep(0.01)
    return len(pids)


@pytest.mark.usefixtures("clean_pg")
async def test_reads_and_units_of_work_survive_dead_pooled_connections(clean_pg: str) -> None:
    async with pool_for_tests(clean_pg, max_size=4) as pool:
        # Fill the pool with idle connections, then kill them all, as a server restart would.
        async with pool.connection(), pool.connection(), pool.connection():
            pass
        assert kill_connections_of(clean_pg) >= 3
        assert await PgTagQueries(pool).in_use() == []
        assert kill_connections_of(clean_pg) >= 1
        async with PostgresUnitOfWork(pool) as uow:
            assert await uow.users.get_by_username("nobody") is None
            await uow.commit()


async def test_a_connection_the_server_spoke_to_while_idle_counts_as_dropped(clean_pg: str) -> None:
    # A terminated backend's FATAL message can arrive well before its socket closes; any message will do to
    # stand for it, and a notification is one the test can send.
    async with (
        await AsyncConnection.connect(clean_pg, autocommit=True) as idle,
        await AsyncConnection.connect(clean_pg, autocommit=True) as other,
    ):
        await idle.execute("LISTEN conduit_probe")
        assert not dropped_by_server(idle)
        await other.execute("NOTIFY conduit_probe")
        deadline = time.monotonic() + 5
        while not dropped_by_server(idle):
            assert time.monotonic() < deadline, "a connection with a message waiting passed as alive"
            await asyncio.sleep(0.01)


@pytest.mark.usefixtures("clean_pg")
async def test_a_connection_lost_inside_a_unit_of_work_is_storage_unavailable(clean_pg: str) -> None:
    async with pool_for_tests(clean_pg, max_size=2) as pool:

        async def read_across_a_lost_connection() -> None:
            async with PostgresUnitOfWork(pool) as uow:
                assert await uow.users.get_by_username("nobody") is None
                kill_connections_of(clean_pg)
                await uow.notifications.mark_read(UserId(1), 1, datetime.now(UTC))  # sent, never read
                await uow.commit()

        with pytest.raises(StorageUnavailable):
            await read_across_a_lost_connection()
        # The pool replaces what died; the next unit of work goes ahead.
        async with PostgresUnitOfWork(pool) as uow:
            assert await uow.users.get_by_username("nobody") is None
            await uow.commit()
