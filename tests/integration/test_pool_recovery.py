"""A caller that waits for a connection while the server is away gets one soon after the server returns,
however long its own timeout: the pool's attempts go on after psycopg_pool gives one up
(adapters/postgres/pool.py, ``_try_again``)."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from time import monotonic

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from adapters.postgres.pool import RECONNECT_SECONDS, new_pool
from adapters.postgres.session import SessionSettings

pytestmark = pytest.mark.postgres

SESSION = SessionSettings(statement_timeout_ms=10_000)
AWAY_SECONDS = 2.5  # past the first attempt's give-up, so only a renewed attempt can serve the caller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def forwarding(port: int, to_url: str) -> AsyncIterator[None]:
    """The server, reachable on 127.0.0.1:``port`` for the block: before it, connections are refused."""
    params = conninfo_to_dict(to_url)
    host, server_port = str(params.get("host", "127.0.0.1")), int(params.get("port", 5432))

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def forward(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if host.startswith("/"):
            server_r, server_w = await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{server_port}")
        else:
            server_r, server_w = await asyncio.open_connection(host, server_port)
        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

    server = await asyncio.start_server(forward, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


async def test_a_waiting_caller_gets_a_connection_soon_after_the_server_returns(pg_url: str) -> None:
    port = free_port()
    url = make_conninfo(pg_url, host="127.0.0.1", port=port)
    pool = new_pool(url, min_size=1, max_size=1, acquire_timeout=10, session=SESSION, prepare_threshold=5)
    await pool.open(wait=False)
    try:
        started = monotonic()
        waiting = asyncio.ensure_future(pool.getconn())
        await asyncio.sleep(AWAY_SECONDS)
        assert not waiting.done(), "a connection came from a server that was away"
        async with forwarding(port, pg_url):
            returned = monotonic()
            conn = await asyncio.wait_for(waiting, timeout=8)
            served = monotonic()
            await pool.putconn(conn)
    finally:
        await pool.close()
    assert returned - started >= AWAY_SECONDS
    assert served - returned < RECONNECT_SECONDS + 0.5, f"served {served - returned:.1f} s after the return"
