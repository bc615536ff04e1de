"""Which PostgreSQL to use: the configured server, or the data folder's embedded one."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from adapters.postgres.embedded import EmbeddedPostgres
from entrypoints.settings import Settings


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """Yield the libpq URL to use; with no URL configured, use the embedded server meanwhile."""
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    server = EmbeddedPostgres(settings.data_dir)
    url = server.join()
    try:
        yield url
    finally:
        server.leave()


@asynccontextmanager
async def database_url(settings: Settings) -> AsyncIterator[str]:
    """``database()`` for async code: starting a server blocks, so it happens in a thread."""
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    server = EmbeddedPostgres(settings.data_dir)
    url = await asyncio.to_thread(server.join)
    try:
        yield url
    finally:
        await asyncio.to_thread(server.leave)
