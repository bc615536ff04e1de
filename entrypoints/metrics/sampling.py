"""Figures a process samples of itself every second: its connection pool, its read replicas as it judges
them, and its requests in flight.

Under ``conduit serve`` the process serving the metrics is not the one holding the pool, so the figures
cannot be read when Prometheus asks for them: each process writes them down every second instead, and the
gauges add up the live processes' figures (``livesum``). A scrape sees them at most a second old.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from adapters.postgres.pool import Pool, pop_reading
from application.ports import ReplicaState

SAMPLE_SECONDS = 1.0

log = logging.getLogger("conduit.metrics")


class PoolMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        def gauge(name: str, documentation: str) -> Gauge:
            return Gauge(name, documentation, multiprocess_mode="livesum", registry=registry)

        self._size = gauge("conduit_db_pool_connections", "Pooled connections, open or being opened")
        self._idle = gauge("conduit_db_pool_idle_connections", "Pooled connections ready to be borrowed")
        self._waiting = gauge("conduit_db_pool_waiting_requests", "Callers waiting for a pooled connection")
        self._max = gauge("conduit_db_pool_max_connections", "The most connections the pools may open")
        self._errors = Counter(
            "conduit_db_pool_connection_errors", "Failed attempts to open a connection", registry=registry
        )

    def sample(self, pool: Pool) -> None:
        reading = pop_reading(pool)
        self._size.set(reading.size)
        self._idle.set(reading.idle)
        self._waiting.set(reading.waiting)
        self._max.set(reading.max_size)
        if reading.connection_errors:
            self._errors.inc(reading.connection_errors)


class ReplicaMetrics:
    """Each replica by its name (host:port/database): how far behind this process judges it at most (the
    worst of the live processes), whether every live process has it in rotation, and the pools the
    processes keep for it (summed)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def pool_gauge(name: str, documentation: str) -> Gauge:
            return Gauge(name, documentation, ("replica",), multiprocess_mode="livesum", registry=registry)

        self._pool_size = pool_gauge(
            "conduit_db_replica_pool_connections",
            "Pooled connections to a read replica, open or being opened",
        )
        self._pool_idle = pool_gauge(
            "conduit_db_replica_pool_idle_connections",
            "Pooled connections to a read replica ready to be borrowed",
        )
        self._pool_waiting = pool_gauge(
            "conduit_db_replica_pool_waiting_requests",
            "Reads waiting for a pooled connection to a read replica",
        )
        self._pool_max = pool_gauge(
            "conduit_db_replica_pool_max_connections",
            "The most connections the pools may open to a read replica",
        )
        self._pool_errors = Counter(
            "conduit_db_replica_pool_connection_errors",
            "Failed attempts to open a connection to a read replica",
            ("replica",),
            registry=registry,
        )
        self._lag = Gauge(
            "conduit_db_replica_lag_seconds",
            "How far a read replica is behind the primary, at most (+Inf before it was ever caught up)",
            ("replica",),
            multiprocess_mode="livemax",
            registry=registry,
        )
        self._in_rotation = Gauge(
            "conduit_db_replica_in_rotation",
            "1 while reads may go to the replica, 0 while it is down or further behind than reads may be",
            ("replica",),
            multiprocess_mode="livemin",
            registry=registry,
        )

    def sample(self, replicas: Sequence[ReplicaState]) -> None:
        for replica in replicas:
            lag = float("inf") if replica.lag_ms is None else replica.lag_ms / 1000
            self._lag.labels(replica.name).set(lag)
            self._in_rotation.labels(replica.name).set(1 if replica.state == "in rotation" else 0)

    def sample_pools(self, pools: Iterable[tuple[str, Pool]]) -> None:
        """``pools``: each replica's name and pool."""
        for name, pool in pools:
            reading = pop_reading(pool)
            self._pool_size.labels(name).set(reading.size)
            self._pool_idle.labels(name).set(reading.idle)
            self._pool_waiting.labels(name).set(reading.waiting)
            self._pool_max.labels(name).set(reading.max_size)
            if reading.connection_errors:
                self._pool_errors.labels(name).inc(reading.connection_errors)


async def sample_every_second(samplers: Sequence[Callable[[], None]]) -> None:
    """Run each sampler once a second until cancelled; one that fails is logged and tried again."""
    while True:
        for sample in samplers:
            try:
                sample()
            except Exception:
                log.exception("a metrics sample failed")
        await asyncio.sleep(SAMPLE_SECONDS)
