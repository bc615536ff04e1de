"""One scenario, measured: a discarded warm-up, then repeated runs with the server's CPU time around each."""

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace

from tools.bench import machine, wrk
from tools.bench.proc import ProcessTree
from tools.bench.scenarios import Scenario
from tools.bench.servers import Server


@dataclass(frozen=True, slots=True)
class Target:
    wrk: str
    server: Server
    database: ProcessTree | None  # the embedded PostgreSQL's postmaster, to charge its CPU too


@dataclass(frozen=True, slots=True)
class Run:
    result: wrk.WrkResult
    server_cpu_seconds: float
    database_cpu_seconds: float | None
    cores_busy: float | None = None  # the machine's busy CPUs during the run, on average (2.0: two flat out)

    def server_cpu_ms_per_request(self) -> float | None:
        return _per_request(self.server_cpu_seconds, self.result.requests)

    def database_cpu_ms_per_request(self) -> float | None:
        if self.database_cpu_seconds is None:
            return None
        return _per_request(self.database_cpu_seconds, self.result.requests)


@dataclass(frozen=True, slots=True)
class Measured:
    scenario: Scenario
    runs: tuple[Run, ...]

    def median(self, metric: Callable[[Run], float | None]) -> float | None:
        values = [value for run in self.runs if (value := metric(run)) is not None]
        return statistics.median(values) if values else None

    @property
    def requests_per_second(self) -> float:
        return self.median(lambda run: run.result.requests_per_second) or 0.0

    @property
    def cores_busy(self) -> float | None:
        return self.median(lambda run: run.cores_busy)

    @property
    def errors(self) -> int:
        return sum(run.result.errors for run in self.runs)


def measure(
    scenario: Scenario,
    target: Target,
    load: wrk.Load,
    *,
    warmup: int,
    repeat: int,
    after_each: Callable[[Run], None] = lambda run: None,
) -> Measured:
    if warmup:
        wrk.run(target.wrk, target.server.base_url, scenario, replace(load, seconds=warmup))
    runs = []
    for _ in range(repeat):
        runs.append(measure_once(scenario, target, load))
        after_each(runs[-1])
    return Measured(scenario, tuple(runs))


def measure_once(scenario: Scenario, target: Target, load: wrk.Load) -> Run:
    server, database = target.server.tree, target.database
    server_before = server.cpu_seconds()
    database_before = database.cpu_seconds() if database else None
    ticks_before = machine.cpu_ticks()
    result = wrk.run(target.wrk, target.server.base_url, scenario, load)
    ticks_after = machine.cpu_ticks()
    return Run(
        result,
        server.cpu_seconds() - server_before,
        database.cpu_seconds() - database_before if database and database_before is not None else None,
        _cores_busy(ticks_before, ticks_after),
    )


def _cores_busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """How many CPUs were busy on average between two readings: a run that keeps every CPU busy is bound by
    the machine, not by the code, and more workers cannot make it faster."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    # /proc/stat's first line adds up every online CPU.
    return (after[0] - before[0]) / (after[1] - before[1]) * (os.cpu_count() or 1)


def _per_request(seconds: float, requests: int) -> float | None:
    return seconds * 1000 / requests if requests else None
