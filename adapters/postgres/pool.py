"""The process's one connection pool, opened and closed by whoever owns the application's lifetime."""

from collections.abc import AsyncIterator

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


async def open_pool(
    conninfo: str,
    *,
    min_size: int,
    max_size: int,
    acquire_timeout: float,
    statement_timeout_ms: int,
    prepare_threshold: int | None,
) -> AsyncIterator[AsyncConnectionPool[AsyncConnection]]:
    """Yield an open pool and close it afterwards; fails fast when the server cannot be reached."""
    pool: AsyncConnectionPool[AsyncConnection] = AsyncConnectionPool(
        conninfo,
        min_size=min_size,
        max_size=max_size,
        timeout=acquire_timeout,
        open=False,
        kwargs={
            # Reads run as single autocommit statements; units of work open their own transaction block.
            "autocommit": True,
            "prepare_threshold": prepare_threshold,
            "application_name": "conduit",
            # A runaway statement is cancelled by the server instead of holding a connection forever.
            "options": f"-c statement_timeout={statement_timeout_ms}",
        },
    )
    await pool.open(wait=True, timeout=acquire_timeout)
    try:
        yield pool
    finally:
        await pool.close()
