"""Runs `conduit consume`: the container opened as for any process, then the FastStream application until
SIGTERM or SIGINT (which FastStream handles: no new messages, the ones in hand finish)."""

import asyncio

from entrypoints import banner
from entrypoints.consume.app import consumer_app
from entrypoints.container import running_container
from entrypoints.settings import Settings


def run_consumer(settings: Settings) -> None:
    asyncio.run(_consume(settings))


async def _consume(settings: Settings) -> None:
    url = settings.broker()
    assert url is not None
    async with running_container(settings) as container:
        database = container.database_url()
        if database is not None:
            await asyncio.to_thread(banner.consuming, settings, database, metrics=None)
        await consumer_app(container, url).run()
