"""Which PostgreSQL to use: the configured server, or the data folder's embedded one."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from adapters.postgres.embedded import embedded_server
from entrypoints.settings import Settings


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """Yield the libpq URL to use; with no URL configured, run the embedded server meanwhile."""
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    with embedded_server(settings.data_dir) as url:
        yield url


async def provide_database_url(settings: Settings) -> AsyncIterator[str]:
    """``database_url`` as a container resource; starting a server blocks, so it runs in a thread."""
    manager = database_url(settings)
    url = await asyncio.to_thread(manager.__enter__)
    try:
        yield url
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)
