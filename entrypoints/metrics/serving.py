"""``conduit serve``'s metrics: every process serving the API writes its own to files in one folder
(prometheus-client's multiprocess mode), and the process that started them serves their sum.

The folder is new for each run (so nothing of an earlier run is counted) and removed at the end. Each
process's counters and histograms stay in it after the process ends, so restarts lose no counts; its
live gauges (``livesum``) are dropped when it ends: by the supervisor as soon as it sees a worker gone,
and, for workers uvicorn supervises itself (``--reload``, or several workers outside Linux), at the
next scrape.
"""

import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for real only once the multiprocess folder is set
    from prometheus_client import Metric

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True, slots=True)
class ServedMetrics:
    address: str
    forget: Callable[[int], None]  # a worker process has ended: drop its live gauges


@contextmanager
def served(host: str, port: int, conninfo: str) -> Iterator[ServedMetrics]:
    """Set this process and the ones it starts to write their metrics to a new folder, and serve their sum
    at ``host:port`` for the block."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess folder was set")
    with tempfile.TemporaryDirectory(prefix="conduit-metrics-") as folder:
        os.environ[MULTIPROCESS_DIR] = folder
        # prometheus-client reads the folder's setting when first imported: only now.
        from prometheus_client import CollectorRegistry, multiprocess

        from adapters.security.clock import SystemClock
        from entrypoints.metrics.edge import exposed
        from entrypoints.metrics.exposition import address, listen
        from entrypoints.metrics.outbox import OutboxBacklog

        def forget(pid: int) -> None:
            multiprocess.mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]

        registry = CollectorRegistry()
        registry.register(exposed(_LiveProcesses(Path(folder), forget)))
        registry.register(OutboxBacklog(conninfo, SystemClock().now))
        stop = listen(host, port, registry, setting="CONDUIT_METRICS_PORT")
        try:
            yield ServedMetrics(address(host, port), forget)
        finally:
            stop()
            os.environ.pop(MULTIPROCESS_DIR, None)


class _LiveProcesses:
    """The sum of every process's files, after dropping the live gauges of processes that have ended."""

    def __init__(self, folder: Path, forget: Callable[[int], None]) -> None:
        from prometheus_client import multiprocess

        self._folder, self._forget = folder, forget
        self._files = multiprocess.MultiProcessCollector(None, path=str(folder))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable["Metric"]:
        for path in self._folder.glob("gauge_live*_*.db"):
            pid = int(path.stem.rsplit("_", 1)[1])
            if not _alive(pid):
                self._forget(pid)
        found: Iterable[Metric] = self._files.collect()  # type: ignore[no-untyped-call]
        return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process has that pid now
        return True
    return True
