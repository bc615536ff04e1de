"""Runs `conduit consume`: the container opened as for any process, its metrics served (unless
``CONDUIT_CONSUME_METRICS_PORT`` is 0), then the FastStream application until SIGTERM or SIGINT (which
FastStream handles: no new messages, the ones in hand finish)."""

import asyncio
import functools
from contextlib import AsyncExitStack

from entrypoints import banner
from entrypoints.consume.app import backlog_of, consumer_app
from entrypoints.container import running_container
from entrypoints.metrics.broker_consumer import ConsumerMetrics, served
from entrypoints.settings import Settings


def run_consumer(settings: Settings) -> None:
    asyncio.run(_consume(settings))


async def _consume(settings: Settings) -> None:
    url = settings.broker()
    assert url is not None
    async with running_container(settings) as container, AsyncExitStack() as stack:
        metrics = ConsumerMetrics() if settings.consume_metrics_port else None
        app = consumer_app(container, url, metrics)
        address = None
        if metrics is not None:
            address = await stack.enter_async_context(
                served(
                    metrics,
                    settings.host,
                    settings.consume_metrics_port,
                    pool=container.pool(),
                    backlog=functools.partial(backlog_of, app),
                )
            )
        database = container.database_url()
        if database is not None:
            await asyncio.to_thread(
                functools.partial(banner.consuming_broker, settings, database, broker=url, metrics=address)
            )
        await app.run()
