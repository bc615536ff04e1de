"""PostgreSQL-only: attempt counts clean up after themselves and keep no readable key."""

from datetime import UTC, datetime, timedelta

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.attempts import PgAttemptCounts

pytestmark = pytest.mark.postgres

Pool = AsyncConnectionPool[AsyncConnection]
START = datetime(2026, 1, 2, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


async def rows(pool: Pool) -> list[tuple[bytes, int]]:
    async with pool.connection() as conn:
        cursor = await conn.execute("SELECT key, count FROM attempt_counts ORDER BY closes_at")
        return [(bytes(key), count) for key, count in await cursor.fetchall()]


@pytest.mark.usefixtures("clean_pg")
async def test_writes_delete_closed_windows_and_keys_are_stored_as_digests(pg_pool: Pool) -> None:
    counts = PgAttemptCounts(pg_pool)
    await counts.add({"login|203.0.113.66|alice@example.com": QUARTER, "login|203.0.113.66": QUARTER}, START)
    stored = await rows(pg_pool)
    assert len(stored) == 2
    assert all(b"alice" not in key and b"203.0" not in key for key, _ in stored)
    await counts.add({"login|198.51.100.7": QUARTER}, START + timedelta(hours=1))
    assert [count for _, count in await rows(pg_pool)] == [1]
