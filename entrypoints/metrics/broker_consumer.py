"""``conduit consume``'s metrics: what it made of each event, how far behind its durable consumer is, and
its pool. One process, so one registry of its own, served from a thread of it; the consumer's backlog and
the pool are sampled every second, the events counted as they are handled."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Final, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector

from adapters.postgres.pool import Pool
from entrypoints.metrics.exposition import address, listen
from entrypoints.metrics.sampling import SAMPLE_SECONDS, PoolMetrics

log = logging.getLogger("conduit.metrics")

Outcome = Literal["delivered", "retried", "dead_lettered"]
UNKNOWN_KIND: Final = "unknown"  # a message that is no Conduit event: its subject is not a label


@dataclass(frozen=True, slots=True)
class ConsumerBacklog:
    pending: int  # in the stream, not yet handed to any process of the durable consumer
    unacknowledged: int  # handed out, neither acknowledged nor given up yet


class ConsumerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # one process, so its memory and CPU are the consumer's
        self.pool = PoolMetrics(self.registry)
        self._events = Counter(
            "conduit_consume_events",
            "Events conduit consume has handled, by kind and outcome: delivered (their notifications "
            "committed), retried (to be redelivered after a failure), dead_lettered",
            ("kind", "outcome"),
            registry=self.registry,
        )
        self._up = Gauge(
            "conduit_consume_broker_up",
            "Whether the durable consumer's state could be read from JetStream (1 or 0)",
            registry=self.registry,
        )
        self._pending = Gauge(
            "conduit_consume_pending_events",
            "Events in CONDUIT_EVENTS not yet handed to the durable consumer conduit-notifications",
            registry=self.registry,
        )
        self._unacknowledged = Gauge(
            "conduit_consume_unacknowledged_events",
            "Events handed to conduit-notifications and not yet acknowledged",
            registry=self.registry,
        )

    def handled(self, kind: str, outcome: Outcome) -> None:
        self._events.labels(kind, outcome).inc()

    async def sample_backlog(self, backlog: Callable[[], Awaitable[ConsumerBacklog]]) -> None:
        try:
            found = await asyncio.wait_for(backlog(), SAMPLE_SECONDS)
        except Exception as error:  # the broker away, or not connected yet: said, not raised
            log.debug("the consumer's backlog could not be read: %r", error)
            self._up.set(0)
            return
        self._up.set(1)
        self._pending.set(found.pending)
        self._unacknowledged.set(found.unacknowledged)


@asynccontextmanager
async def served(
    metrics: ConsumerMetrics,
    host: str,
    port: int,
    *,
    pool: Pool,
    backlog: Callable[[], Awaitable[ConsumerBacklog]],
) -> AsyncIterator[str]:
    """Serve ``metrics`` at ``host:port`` for the block, sampling the pool and the backlog each second;
    yields the address."""
    stop = listen(host, port, metrics.registry, setting="CONDUIT_CONSUME_METRICS_PORT")

    async def sampling() -> None:
        while True:
            try:
                metrics.pool.sample(pool)
            except Exception:
                log.exception("a metrics sample failed")
            await metrics.sample_backlog(backlog)
            await asyncio.sleep(SAMPLE_SECONDS)

    task = asyncio.get_running_loop().create_task(sampling())
    try:
        yield address(host, port)
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(stop)
