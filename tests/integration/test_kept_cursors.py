"""The psycopg behaviour adapters/postgres/kept_cursors.py relies on, and what it keeps per connection."""

import pytest
from psycopg import AsyncConnection
from psycopg.abc import AdaptContext
from psycopg.adapt import Dumper
from psycopg.types import TypeInfo

from adapters.postgres.kept_cursors import KEPT_CURSORS, KeptCursorsConnection, cursor_for
from adapters.postgres.pool import read
from adapters.postgres.statements import Statement
from tests.support.database import pool_for_tests

pytestmark = pytest.mark.postgres


class Marker:
    """A parameter type of its own, so its dumper's instances can be counted."""


class CountingDumper(Dumper):
    made = 0

    def __init__(self, cls: type, context: AdaptContext | None = None) -> None:
        super().__init__(cls, context)
        CountingDumper.made += 1

    def dump(self, obj: Marker) -> bytes:
        return b"marker"


async def dumpers_made(url: str, *, same_cursor: bool) -> int:
    query = "SELECT %s::text"
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        info = await TypeInfo.fetch(conn, "text")
        assert info is not None
        CountingDumper.oid = info.oid
        conn.adapters.register_dumper(Marker, CountingDumper)
        CountingDumper.made = 0
        cursor = conn.cursor()
        for _ in range(3):
            await (cursor if same_cursor else conn.cursor()).execute(query, (Marker(),))
    return CountingDumper.made


async def test_psycopg_keeps_a_cursors_adapters_for_the_same_query_and_only_there(pg_url: str) -> None:
    """Pins both halves of the workaround's reason: if a cursor stopped keeping its adapters, keeping
    cursors saves nothing; if new cursors shared them, it is not needed."""
    assert await dumpers_made(pg_url, same_cursor=True) == 1
    assert await dumpers_made(pg_url, same_cursor=False) == 3


@pytest.mark.usefixtures("clean_pg")
async def test_a_connection_keeps_one_cursor_per_statement_up_to_its_cap(clean_pg: str) -> None:
    first, second = Statement("SELECT %s::int"), Statement("SELECT %s::int")
    async with pool_for_tests(clean_pg, max_size=1) as pool:
        assert await read(pool, first, (1,)) == [(1,)]
        assert await read(pool, second, (2,)) == [(2,)]
        async with pool.connection() as conn:
            assert isinstance(conn, KeptCursorsConnection)
            kept = cursor_for(conn, first)
            assert cursor_for(conn, first) is kept
            assert cursor_for(conn, second) is not kept
            await kept.close()  # closed by someone: the next read gets a new one
        assert await read(pool, first, (3,)) == [(3,)]
        built = [Statement("SELECT 1") for _ in range(KEPT_CURSORS)]
        for statement in built:
            assert await read(pool, statement) == [(1,)]
        async with pool.connection() as conn:
            assert isinstance(conn, KeptCursorsConnection)
            assert len(conn.kept) == KEPT_CURSORS
            assert cursor_for(conn, built[-1]) is not cursor_for(conn, built[-1])
