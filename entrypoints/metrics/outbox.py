"""The outbox's metrics: its backlog, read from the database when Prometheus asks, and the events the
worker dead-letters, counted as it does."""

from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from adapters.postgres.events import read_backlog
from application.errors import StorageUnavailable
from application.events import EventObserver

# A scrape that finds the database away answers without the backlog rather than hang.
TIMEOUT_SECONDS = 2


class OutboxBacklog(Collector):
    """One query per scrape, on a connection of its own: the scrape never waits for a pooled connection,
    and the process serving the metrics of ``conduit serve`` has no pool."""

    def __init__(self, conninfo: str, now: Callable[[], datetime]) -> None:
        self._conninfo, self._now = conninfo, now

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return self._families((0, 0.0))

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            backlog = read_backlog(self._conninfo, timeout_seconds=TIMEOUT_SECONDS)
        except StorageUnavailable:
            return self._families(None)
        age = 0.0 if backlog.oldest is None else max(0.0, (self._now() - backlog.oldest).total_seconds())
        return self._families((backlog.pending, age))

    def _families(self, found: tuple[int, float] | None) -> list[GaugeMetricFamily]:
        up = GaugeMetricFamily("conduit_outbox_up", "Whether the outbox's backlog could be read (1 or 0)")
        up.add_metric([], 0 if found is None else 1)
        if found is None:
            return [up]
        pending = GaugeMetricFamily(
            "conduit_outbox_pending_events", "Events recorded and not yet handled, retries included"
        )
        pending.add_metric([], found[0])
        age = GaugeMetricFamily(
            "conduit_outbox_oldest_pending_age_seconds",
            "How long ago the oldest pending event was recorded (0 with none pending)",
        )
        age.add_metric([], found[1])
        return [up, pending, age]


class DeadLetters(EventObserver):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._counter = Counter(
            "conduit_outbox_dead_lettered_events",
            "Events set aside after their last attempt failed, by event type",
            ("event",),
            registry=registry,
        )

    def dead_lettered(self, topic: str) -> None:
        self._counter.labels(topic).inc()
