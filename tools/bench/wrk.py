"""Driving load with wrk (https://github.com/wg/wrk), reading the JSON line of tools/bench/lua/report.lua."""

# ruff: noqa: S603 (the command is wrk's absolute path and the benchmark's own options)

import json
import resource
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.bench import processes
from tools.bench.processes import BenchError
from tools.bench.scenarios import Scenario

INSTALL_HINT = "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)"
EXIT_GRACE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Load:
    """How hard and how long: wrk's -c, -t, -d and --timeout."""

    connections: int
    threads: int
    seconds: int
    timeout: int


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    socket_errors: dict[str, int]  # connect, read, write, timeout
    non2xx: int
    statuses: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    client_cpu_seconds: float | None  # wrk's own CPU time, to tell when the client is the bottleneck

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Requests that failed: socket errors and timeouts, and every non-2xx response."""
        return sum(self.socket_errors.values()) + self.non2xx


def find_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchError(INSTALL_HINT)
    return found


def version(wrk: str) -> str:
    # wrk has no version flag: it prints its version at the top of the usage text (and exits 1).
    shown = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    lines = (shown.stdout or shown.stderr).splitlines()
    return lines[0].strip() if lines else "unknown"


def command(wrk: str, base_url: str, scenario: Scenario, load: Load) -> list[str]:
    return [
        wrk,
        f"--connections={load.connections}",
        f"--threads={load.threads}",
        f"--duration={load.seconds}s",
        f"--timeout={load.timeout}s",
        f"--script={scenario.script}",
        base_url,
        "--",
        *scenario.args,
    ]


def run(wrk: str, base_url: str, scenario: Scenario, load: Load) -> WrkResult:
    """Run wrk to completion in the foreground."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(
            command(wrk, base_url, scenario, load),
            capture_output=True,
            text=True,
            timeout=load.seconds + load.timeout + EXIT_GRACE_SECONDS,
            start_new_session=True,  # Ctrl-C reaches the benchmark, which then stops wrk itself
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        raise BenchError(f"wrk did not finish the {scenario.name} scenario in time") from expired
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return parse(done.returncode, done.stdout, done.stderr, scenario, cpu)


@contextmanager
def in_background(wrk: str, base_url: str, scenario: Scenario, load: Load, output: Path) -> Iterator[Path]:
    """Run wrk beside the block (as a second, concurrent load); wait for it to finish at the block's end.
    Its output lands in `output`, for `parse_file`."""
    with processes.running(command(wrk, base_url, scenario, load), cwd=output.parent, output=output) as proc:
        yield output
        try:
            proc.wait(load.seconds + load.timeout + EXIT_GRACE_SECONDS)
        except subprocess.TimeoutExpired as expired:
            raise BenchError(f"wrk did not finish the {scenario.name} load in time") from expired


def parse_file(output: Path, scenario: Scenario) -> WrkResult:
    return parse(0, output.read_text(), "", scenario, None)


def parse(code: int, stdout: str, stderr: str, scenario: Scenario, cpu: float | None) -> WrkResult:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if code != 0 or not lines:
        problem = (stderr.strip() or stdout.strip() or "no output").splitlines()[-1]
        raise BenchError(f"wrk failed in the {scenario.name} scenario (exit {code}): {problem}")
    data = json.loads(lines[-1])
    errors = data["errors"]
    latency = data["latency_us"]
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        socket_errors={kind: errors[kind] for kind in ("connect", "read", "write", "timeout")},
        non2xx=data["non2xx"],
        statuses=data["statuses"],
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        client_cpu_seconds=cpu,
    )
