"""``conduit worker``'s metrics: one process, so one registry of its own, served from a thread of it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, ProcessCollector

from adapters.postgres.pool import Pool
from entrypoints.metrics.exposition import address, listen
from entrypoints.metrics.outbox import DeadLetters, OutboxBacklog
from entrypoints.metrics.sampling import PoolMetrics, sample_every_second


@dataclass(frozen=True, slots=True)
class WorkerMetrics:
    address: str
    dead_letters: DeadLetters  # the use case's observer


@asynccontextmanager
async def served(
    host: str, port: int, *, pool: Pool, conninfo: str, now: Callable[[], datetime]
) -> AsyncIterator[WorkerMetrics]:
    """Serve the worker's metrics at ``host:port`` for the block."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)  # the worker's memory and CPU: one process, so they are its own
    dead_letters = DeadLetters(registry)
    pool_metrics = PoolMetrics(registry)
    registry.register(OutboxBacklog(conninfo, now))
    stop = listen(host, port, registry, setting="CONDUIT_WORKER_METRICS_PORT")
    sampling = asyncio.get_running_loop().create_task(
        sample_every_second([lambda: pool_metrics.sample(pool)])
    )
    try:
        yield WorkerMetrics(address(host, port), dead_letters)
    finally:
        sampling.cancel()
        with suppress(asyncio.CancelledError):
            await sampling
        await asyncio.to_thread(stop)
