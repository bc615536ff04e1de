"""Does logging in hurt anyone else? Article reads measured alone, then while logins run flat out beside them.

A login costs an Argon2id hash (about 20 ms of one core, by design), which Conduit computes off the event
loop with bounded concurrency; if that bound or the thread hand-off were wrong, every other request would
queue behind the hashes and the article's p99 would show it.
"""

import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from tools.bench import wrk
from tools.bench.measure import Run, Target, measure_once
from tools.bench.scenarios import Scenario

LEAD_SECONDS = 1  # the logins start this long before the article run and end this long after it


@dataclass(frozen=True, slots=True)
class Interference:
    alone: tuple[Run, ...]
    beside_logins: tuple[Run, ...]
    logins: tuple[wrk.WrkResult, ...]  # the concurrent login loads

    @property
    def p99_alone_ms(self) -> float:
        return statistics.median(run.result.p99_ms for run in self.alone)

    @property
    def p99_beside_logins_ms(self) -> float:
        return statistics.median(run.result.p99_ms for run in self.beside_logins)

    @property
    def ratio(self) -> float:
        return self.p99_beside_logins_ms / self.p99_alone_ms if self.p99_alone_ms else float("inf")

    @property
    def reads_alone_per_second(self) -> float:
        return statistics.median(run.result.requests_per_second for run in self.alone)

    @property
    def reads_beside_logins_per_second(self) -> float:
        return statistics.median(run.result.requests_per_second for run in self.beside_logins)

    @property
    def logins_per_second(self) -> float:
        return statistics.median(result.requests_per_second for result in self.logins)

    @property
    def errors(self) -> int:
        runs = (*self.alone, *self.beside_logins)
        return sum(run.result.errors for run in runs) + sum(result.errors for result in self.logins)


def measure_interference(
    article: Scenario,
    login: Scenario,
    target: Target,
    load: wrk.Load,
    login_load: wrk.Load,
    *,
    warmup: int,
    repeat: int,
    workdir: Path,
) -> Interference:
    if warmup:
        wrk.run(target.wrk, target.server.base_url, article, replace(load, seconds=warmup))
    alone, beside, logins = [], [], []
    for attempt in range(repeat):
        alone.append(measure_once(article, target, load))
        lasting = replace(login_load, seconds=load.seconds + 2 * LEAD_SECONDS)
        output = workdir / f"interference-logins-{attempt + 1}.out"
        with wrk.in_background(target.wrk, target.server.base_url, login, lasting, output):
            time.sleep(LEAD_SECONDS)
            beside.append(measure_once(article, target, load))
        logins.append(wrk.parse_file(output, login))
    return Interference(tuple(alone), tuple(beside), tuple(logins))
