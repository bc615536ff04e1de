"""`conduit worker`: the queue consumer. Delivers outbox events until SIGTERM/SIGINT.

Several workers may run at once (they never hold the same event). A stop signal lets the current batch
finish and then exits; a second signal abandons the batch, whose events are released for redelivery.
When the database goes away the worker keeps retrying, a little more slowly up to once a second, and
resumes by itself.
"""

import asyncio
import functools
import logging
import signal
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from application.errors import BrokerUnavailable, StorageUnavailable
from entrypoints import banner
from entrypoints.container import running_container
from entrypoints.metrics.consuming import served as served_metrics
from entrypoints.settings import Settings

log = logging.getLogger("conduit.worker")

PRUNE_EVERY = timedelta(hours=1)
# Retries during an outage stay this close together, so the worker resumes within a second of the
# database's return however long it was away; one failed attempt a second costs the database nothing.
LONGEST_PAUSE_SECONDS = 1.0


def run_worker(settings: Settings) -> None:
    asyncio.run(_consume(settings))


async def _consume(settings: Settings) -> None:
    stopping = asyncio.Event()
    current = asyncio.current_task()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stopping.is_set() and current is not None:
            log.warning("second stop signal: abandoning the current batch")
            current.cancel()
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)

    async with running_container(settings) as container, AsyncExitStack() as stack:
        source = container.event_source()
        url = container.database_url()
        metrics = None
        if settings.worker_metrics_port and url is not None:
            metrics = await stack.enter_async_context(
                served_metrics(
                    settings.host,
                    settings.worker_metrics_port,
                    pool=container.pool(),
                    conninfo=url,
                    now=container.clock().now,
                )
            )
        observer = None if metrics is None else metrics.dead_letters
        if settings.broker() is None:
            process = container.process_events(observer=observer)
        else:  # a relay: the broker's consumers deliver the notifications
            process = container.relay_events(observer=observer)
            stack.push_async_callback(container.event_relay().aclose)
        if url is not None:
            address = None if metrics is None else metrics.address
            await asyncio.to_thread(functools.partial(banner.consuming, settings, url, metrics=address))
        pause, last_prune, total = 0.5, loop.time() - PRUNE_EVERY.total_seconds(), 0
        try:
            while not stopping.is_set():
                try:
                    handled = await process(settings.worker_batch_size)
                    total += handled
                    if loop.time() - last_prune >= PRUNE_EVERY.total_seconds():
                        await source.prune(timedelta(days=settings.outbox_retention_days))
                        last_prune = loop.time()
                except (StorageUnavailable, BrokerUnavailable) as error:
                    what = "database" if isinstance(error, StorageUnavailable) else "broker"
                    log.warning("%s unavailable (%s); retrying in %.1f s", what, error, pause)
                    await _sleep_unless(stopping, pause)
                    pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
                    continue
                pause = 0.5
                if handled == 0:
                    await _first_of(source.wait(settings.worker_poll_seconds), stopping.wait())
        finally:
            await source.aclose()
            log.info("worker stopped after handling %d events", total)


async def _sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    await _first_of(asyncio.sleep(seconds), stopping.wait())


async def _first_of(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
