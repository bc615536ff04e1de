"""Which PostgreSQL to use: the configured server, or the data folder's embedded one."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import structlog

from adapters.postgres.embedded import EmbeddedPostgres
from entrypoints.settings import Settings

log = structlog.get_logger("conduit")


def _embedded(settings: Settings) -> EmbeddedPostgres:
    server = EmbeddedPostgres(settings.data_dir)
    if not server.status().running:
        first = not (server.pgdata / "PG_VERSION").exists()
        log.info(
            "starting the embedded PostgreSQL" + (" (creating it: a few seconds, once)" if first else ""),
            data=str(server.pgdata.resolve()),
        )
    return server


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """Yield the libpq URL to use; with no URL configured, use the embedded server meanwhile."""
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    server = _embedded(settings)
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
    server = _embedded(settings)
    url = await asyncio.to_thread(server.join)
    try:
        yield url
    finally:
        await asyncio.to_thread(server.leave)
