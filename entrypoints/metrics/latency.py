"""Request latency as a Prometheus histogram, for a few list operations per request.

prometheus-client's ``Histogram`` in multiprocess mode writes its file twice per observation (the sum and
one bucket): about 18,000 instructions, 4% of the cheapest request. Here a process adds each request to
counts of its own (its bucket found by bisection), and once a second adds those to counters: one write per
series and bucket that changed, however many requests there were. The process serving the exposition
turns the counters back into the histogram Prometheus expects (``Histograms``): cumulative buckets,
``_sum`` and ``_count``. The price: a scrape sees the latencies of up to a second ago.
"""

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Metric
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector

# prometheus-client's default buckets.
BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
LE = (*(str(bound) for bound in BOUNDS), "+Inf")
_BUCKETS = "conduit_latency_per_bucket"  # the counters, never exposed as they are
_SUMS = "conduit_latency_sum"

Key = tuple[str, ...]


class LatencyHistogram:
    def __init__(self, name: str, documentation: str, labelnames: Sequence[str], registry: CollectorRegistry):
        self.name, self.documentation, self.labelnames = name, documentation, tuple(labelnames)
        self._buckets = Counter(_BUCKETS, name, (*labelnames, "le"), registry=registry)
        self._sums = Counter(_SUMS, name, labelnames, registry=registry)
        # Per series: a count per bucket, then the sum of the seconds; zeroed, never dropped, by flush().
        self._pending: dict[Key, list[float]] = {}
        self._children: dict[tuple[Key, int], Counter] = {}

    def observe(self, labels: Key, seconds: float) -> None:
        counts = self._pending.get(labels)
        if counts is None:
            counts = self._pending[labels] = [0.0] * (len(LE) + 1)
        counts[bisect_left(BOUNDS, seconds)] += 1
        counts[-1] += seconds

    def flush(self) -> None:
        """Add what was observed since the previous flush to the counters."""
        for labels, counts in self._pending.items():
            if not any(counts[:-1]):
                continue
            for bucket, count in enumerate(counts[:-1]):
                if count:
                    self._child(labels, bucket).inc(count)
                    counts[bucket] = 0
            self._child(labels, len(LE)).inc(counts[-1])
            counts[-1] = 0

    def _child(self, labels: Key, bucket: int) -> Counter:
        child = self._children.get((labels, bucket))
        if child is None:
            if bucket == len(LE):
                child = self._sums.labels(*labels)
            else:
                child = self._buckets.labels(*labels, LE[bucket])
            self._children[(labels, bucket)] = child
        return child


class Histograms(Collector):
    """``source``'s metrics, with the counters of ``LatencyHistogram``s turned into their histograms."""

    def __init__(self, source: Collector, histograms: Iterable[tuple[str, str, Sequence[str]]]) -> None:
        self._source = source
        self._histograms = {
            name: (documentation, tuple(labels)) for name, documentation, labels in histograms
        }

    def collect(self) -> Iterator[Metric]:
        buckets: dict[str, dict[Key, list[float]]] = {}
        sums: dict[str, dict[Key, float]] = {}
        for family in self._source.collect():
            if family.name not in (_BUCKETS, _SUMS):
                yield family
                continue
            for sample in family.samples:
                if not sample.name.endswith("_total"):
                    continue  # _created, outside multiprocess mode
                name, labels = family.documentation, dict(sample.labels)
                key = tuple(labels[label] for label in self._histograms[name][1])
                if family.name == _SUMS:
                    sums.setdefault(name, {})[key] = sample.value
                else:
                    counts = buckets.setdefault(name, {}).setdefault(key, [0.0] * len(LE))
                    counts[LE.index(labels["le"])] += sample.value
        for name, (documentation, labelnames) in self._histograms.items():
            histogram = HistogramMetricFamily(name, documentation, labels=labelnames)
            for key, counts in buckets.get(name, {}).items():
                cumulative, total = [], 0.0
                for le, count in zip(LE, counts, strict=True):
                    total += count
                    cumulative.append((le, total))
                histogram.add_metric(list(key), cumulative, sum_value=sums.get(name, {}).get(key, 0.0))
            yield histogram
