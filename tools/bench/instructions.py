"""`python3 dev.py bench --instructions`: CPU instructions per request, counted by callgrind, for A/B tuning.

Requests per second on a shared machine drift by more than most single changes save. Instructions do not:
the same code on the same data executes the same instructions, to within a fraction of a percent, however
busy the machine is. This mode seeds a fresh database as the load benchmark does, runs Conduit's
application in one process under `valgrind --tool=callgrind` (`bench.inprocess`), replays each scenario's
requests into it in-process, and reports the instructions that process executed per request: FastAPI,
Conduit, psycopg and the event loop, not PostgreSQL, not sockets or HTTP parsing.
"""

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.bench import machine, processes
from tools.bench.database import fresh_database
from tools.bench.options import Options
from tools.bench.processes import BenchError
from tools.bench.scenarios import CEILING, INTERFERENCE, LABELS

ROOT = Path(__file__).resolve().parents[2]
# Logins are password hashing, which instruction counts say nothing useful about; the interference
# scenario is about latency under load.
NOT_COUNTED = ("login", INTERFERENCE)
# Enough for every pooled connection to have prepared the scenario's statements and kept its cursors, and
# for every cache on the way to be filled (with 300 some scenarios still moved between runs).
WARMUP_REQUESTS = 1_000
HANDSHAKE_TIMEOUT_SECONDS = 1800.0  # a slow scenario under callgrind, with the default requests: minutes


@dataclass(frozen=True, slots=True)
class Counted:
    scenario: str
    requests: int
    instructions: int
    seconds: float  # wall time under callgrind, for orientation only

    @property
    def per_request(self) -> float:
        return self.instructions / self.requests


def main(options: Options, results: Path, stamp: str) -> int:
    valgrind, control = shutil.which("valgrind"), shutil.which("callgrind_control")
    if valgrind is None or control is None:
        raise BenchError("--instructions needs valgrind (apt-get install valgrind / brew install valgrind)")
    workdir = results / f"{stamp}-instructions"
    handshake = workdir / "handshake"
    handshake.mkdir(parents=True)
    names = [name for name in options.scenarios if name not in NOT_COUNTED]
    started = datetime.now(UTC)
    git = machine.git()
    _say(f"seeding {options.size.users:,} users and {options.size.articles:,} articles")
    with fresh_database(options, workdir) as database:
        _say(database.seeded)
        command = [
            valgrind,
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={workdir / 'callgrind.out'}",
            sys.executable,
            "-m",
            "tools.bench.inprocess",
            f"--database-url={database.url}",
            f"--handshake={handshake}",
            f"--warmup={WARMUP_REQUESTS}",
            f"--requests={options.requests}",
            f"--concurrency={options.connections}",
            f"--scenarios={','.join(names)}",
            f"--run-id={stamp}",
        ]
        # A fixed string hash seed: with a random one, dict and set layouts (and so the work) vary by run.
        env = database.env | {"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
        log = workdir / "inprocess.log"
        with processes.running(command, env=env, cwd=workdir, output=log) as child:
            counted = [_count(name, options.requests, child, control, workdir, log) for name in names]
    outcome: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "git": git,
        "size": options.size_name,
        "seeded": database.seeded,
        "requests_per_scenario": options.requests,
        "warmup_requests": WARMUP_REQUESTS,
        "concurrency": options.connections,
        "scenarios": {
            c.scenario: {
                "instructions_per_request": round(c.per_request),
                "seconds_under_callgrind": c.seconds,
            }
            for c in counted
        },
    }
    latest = results / "latest-instructions.json"
    previous = json.loads(latest.read_text()) if latest.exists() else None
    if previous is not None and not _comparable(previous, outcome):
        _say("the previous run counted other scenarios or request counts: no change column")
        previous = None
    table = _markdown(counted, outcome, options, previous)
    print(table)
    for name in (f"{stamp}-instructions", "latest-instructions"):
        (results / f"{name}.md").write_text(table + "\n")
        (results / f"{name}.json").write_text(json.dumps(outcome, indent=2) + "\n")
    _say(f"written: {results}/{stamp}-instructions.{{md,json}} and latest-instructions.{{md,json}}")
    return 0


def _count(
    name: str, requests: int, child: "subprocess.Popen[bytes]", control: str, workdir: Path, log: Path
) -> Counted:
    """Let the child measure one scenario, counting only its measured requests."""
    handshake = workdir / "handshake"
    _say(f"{name}: warming up, then counting {requests:,} requests")
    _wait_for(handshake / f"{name}.ready", child, log)
    _control(control, "--instr=on", child.pid)
    _control(control, "--zero", child.pid)
    (handshake / f"{name}.counting").touch()
    _wait_for(handshake / f"{name}.done", child, log)
    dumps_before = set(workdir.glob("callgrind.out.*"))
    _control(control, "--dump", child.pid)
    _control(control, "--instr=off", child.pid)
    (dump,) = set(workdir.glob("callgrind.out.*")) - dumps_before
    (handshake / f"{name}.dumped").touch()
    counted = Counted(
        name,
        requests,
        _instructions(dump),
        float((handshake / f"{name}.seconds").read_text()),
    )
    _say(f"  {counted.per_request:,.0f} instructions per request")
    return counted


def _control(control: str, action: str, pid: int) -> None:
    # callgrind_control asks the running process and returns once it has answered.
    done = subprocess.run(  # noqa: S603 (a fixed executable found on PATH, our own child's pid)
        [control, action, str(pid)], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"callgrind_control {action} failed: {(done.stderr or done.stdout).strip()}")


def _wait_for(marker: Path, child: "subprocess.Popen[bytes]", log: Path) -> None:
    deadline = time.monotonic() + HANDSHAKE_TIMEOUT_SECONDS
    while not marker.exists():
        if child.poll() is not None:
            raise BenchError(f"the in-process run exited with status {child.returncode}; see {log}")
        if time.monotonic() > deadline:
            raise BenchError(f"no {marker.name} after {HANDSHAKE_TIMEOUT_SECONDS:.0f} s; see {log}")
        time.sleep(0.2)


def _instructions(dump: Path) -> int:
    """The dump's instruction total (its `summary:` or `totals:` line; Ir is the first event)."""
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise BenchError(f"{dump} has no summary line")


def _markdown(
    counted: list[Counted], outcome: dict[str, Any], options: Options, previous: dict[str, Any] | None
) -> str:
    """The table, with each scenario's change since the previous run when there was one: the A/B."""
    git = outcome["git"]
    ceiling = next((c.per_request for c in counted if c.scenario == CEILING), None)
    before = {} if previous is None else previous["scenarios"]
    lines = [
        f"# Conduit instructions per request, {outcome['started']}",
        "",
        f"{outcome['seeded']}. {options.requests:,} requests per scenario after {WARMUP_REQUESTS:,} "
        f"to warm up, {options.connections} at a time, in-process under callgrind. Commit {_commit(git)}. "
        "Counted: the application's process (FastAPI, Conduit, psycopg, the event loop); not PostgreSQL.",
        "",
        "| scenario | instructions per request | x ceiling | change since the previous run | request |",
        "|---|--:|--:|--:|---|",
    ]
    for c in counted:
        times = "n/a" if ceiling is None else f"{c.per_request / ceiling:.1f}"
        was = before.get(c.scenario, {}).get("instructions_per_request")
        change = "n/a" if not was else f"{(c.per_request - was) / was:+.1%}"
        lines.append(f"| {c.scenario} | {c.per_request:,.0f} | {times} | {change} | `{LABELS[c.scenario]}` |")
    if previous is not None:
        lines += [
            "",
            f"The previous run: {previous['started']}, commit {_commit(previous['git'])}, "
            f"{previous['requests_per_scenario']:,} requests per scenario. The same code repeats to within "
            "0.1% (seen here), so a larger change is the code's.",
        ]
    return "\n".join(lines)


def _comparable(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    """Runs compare only when they drove the same scenarios in the same order with the same counts (what
    ran before a scenario in the same process, and for how long, shows in its count)."""
    shape = ("size", "requests_per_scenario", "warmup_requests", "concurrency")
    return all(previous.get(key) == current[key] for key in shape) and list(previous["scenarios"]) == list(
        current["scenarios"]
    )


def _commit(git: dict[str, Any]) -> str:
    commit = str(git["commit"] or "unknown")[:12]
    return f"{commit} with uncommitted changes" if git["dirty"] else commit


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
