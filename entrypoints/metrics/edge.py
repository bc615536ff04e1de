"""What the HTTP edge counts: requests by method, route and status with their latency, the requests in
flight, and the requests refused because a budget was spent.

The latency histogram is also the request count (its ``_count`` series); it is kept as
``entrypoints.metrics.latency`` says, for a fraction of what prometheus-client's own costs a request.

No label carries what a caller sent: the route is the template the request matched
(``/api/articles/{slug}``), or ``unmatched``; a method other than HTTP's usual ones is ``other``. So every
label has a fixed, small set of values, and no slug, username, email or token reaches the metrics.
"""

from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.registry import Collector

from entrypoints.metrics import SPENT_BUDGET
from entrypoints.metrics.latency import Histograms, LatencyHistogram

UNMATCHED = "unmatched"
OTHER_METHOD = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
LABELS = ("method", "route", "status")
LATENCY = (
    "conduit_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response; _count is the requests answered",
    LABELS,
)


def route_label(scope: Mapping[str, Any]) -> str:
    """The template of the route that handled the request (the router leaves it in the scope)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER_METHOD


class HttpMetrics:
    """The edge's metrics, in ``registry``; under ``conduit serve``, in the process's multiprocess file."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._latency = LatencyHistogram(*LATENCY, registry=registry)
        self._throttled = Counter(
            "conduit_http_throttled_requests",
            "Requests refused with 429 because a budget was spent: failed logins, or a user's writes",
            ("budget",),
            registry=registry,
        )
        self._in_flight = Gauge(
            "conduit_http_requests_in_flight",
            "Requests being handled (sampled every second in each process)",
            multiprocess_mode="livesum",
            registry=registry,
        )
        # Counted in a plain integer, and written to the gauge by the sampler: a gauge update per request
        # would be a write to the multiprocess file on the way in and another on the way out.
        self.in_flight = 0
        # Label values by key, made once: the key has the status as the int the response gave.
        self._series: dict[tuple[str, str, int], tuple[str, str, str]] = {}

    def observe(self, method: str, scope: Mapping[str, Any], status: int, seconds: float) -> None:
        """One answered request; ``method`` as the client sent it, ``scope`` as the app left it."""
        key = (method_label(method), route_label(scope), status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (key[0], key[1], str(status))
        self._latency.observe(series, seconds)
        if status == 429:
            budget = scope.get(SPENT_BUDGET)
            if isinstance(budget, str):
                self._throttled.labels(budget).inc()

    def sample(self) -> None:
        """Write down what was counted in the process since the previous sample (once a second)."""
        self._in_flight.set(self.in_flight)
        self._latency.flush()


def exposed(source: Collector) -> Collector:
    """What Prometheus is shown of ``source`` (a registry, or the sum of the multiprocess files)."""
    return Histograms(source, [LATENCY])
