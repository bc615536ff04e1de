"""The results: a Markdown table for people, a JSON document with every run for tools and later comparison."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.bench.fixtures import Fixtures
from tools.bench.interference import Interference
from tools.bench.measure import Measured, Run
from tools.bench.options import Options
from tools.bench.scenarios import CEILING


@dataclass(frozen=True, slots=True)
class Outcome:
    started: str
    finished: str
    options: Options
    machine: dict[str, Any]
    git: dict[str, Any]
    settings: dict[str, str]  # CONDUIT_* settings passed through from the environment
    seeded: str
    fixtures: Fixtures
    measured: dict[str, Measured]
    ceiling_first_and_last: tuple[float, float]  # req/s of the yardstick before and after the scenarios
    interference: Interference | None
    login_cpu_ms: float | None  # server CPU per login, from the login scenario
    peak_rss_mb: dict[str, dict[int, float]]  # "conduit"/"ceiling" -> pid -> MiB


def markdown(outcome: Outcome) -> str:
    options, git = outcome.options, outcome.git
    ceiling = outcome.measured[CEILING].requests_per_second
    commit = (git["commit"] or "unknown")[:12] + (" with uncommitted changes" if git["dirty"] else "")
    machine = outcome.machine
    lines = [
        f"# Conduit load benchmark, {outcome.started}",
        "",
        f"Size `{options.size_name}`: {_seeded(outcome.seeded)}. {options.workers} worker(s); wrk "
        f"{options.connections} connections, {options.threads} thread(s); {options.warmup} s warm-up, "
        f"median of {options.repeat} runs of {options.duration} s. Commit {commit}. {machine['cpus']} CPUs "
        f"({machine['cpu']}), load average {machine['load_average'][0]:.2f} before the run"
        + (f"; settings from the environment: {_settings(outcome.settings)}" if outcome.settings else "")
        + ".",
        "",
        "| scenario | req/s | % of ceiling | p50 ms | p99 ms | errors | server CPU ms/req | DB CPU ms/req "
        "| CPUs busy | request |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    lines += [_row(measured, ceiling) for measured in outcome.measured.values()]
    first, last = outcome.ceiling_first_and_last
    lines += [
        "",
        f"**Ceiling** measured before the scenarios ({first:,.0f} req/s) and after them ({last:,.0f} req/s); "
        f"the shares are of the median of both ({last / first - 1:+.0%} drift)."
        if first
        else "",
        "",
    ]
    saturated = _saturated(outcome.measured, machine["cpus"])
    if saturated:
        lines += [saturated, ""]
    if outcome.interference is not None:
        lines += [_interference(outcome.interference, outcome.login_cpu_ms, options.login_connections), ""]
    lines += [_memory(outcome.peak_rss_mb), "", _fixtures(outcome.fixtures)]
    return "\n".join(lines) + "\n"


def document(outcome: Outcome) -> dict[str, Any]:
    ceiling = outcome.measured[CEILING].requests_per_second
    interference = outcome.interference
    return {
        "started": outcome.started,
        "finished": outcome.finished,
        "options": asdict(outcome.options)
        | {"database_url": "external" if outcome.options.database_url else None},
        "size": asdict(outcome.options.size),
        "seeded": outcome.seeded,
        "settings": outcome.settings,
        "git": outcome.git,
        "machine": outcome.machine,
        "fixtures": asdict(outcome.fixtures),
        "scenarios": {name: _scenario(measured, ceiling) for name, measured in outcome.measured.items()},
        "ceiling_first_and_last": outcome.ceiling_first_and_last,
        "interference": None if interference is None else _interference_document(outcome, interference),
        "peak_rss_mb": {
            name: {str(pid): mb for pid, mb in peaks.items()} for name, peaks in outcome.peak_rss_mb.items()
        },
    }


def _interference_document(outcome: Outcome, found: Interference) -> dict[str, Any]:
    return {
        "article_p99_ms_alone": found.p99_alone_ms,
        "article_p99_ms_beside_logins": found.p99_beside_logins_ms,
        "ratio": found.ratio,
        "article_requests_per_second_alone": found.reads_alone_per_second,
        "article_requests_per_second_beside_logins": found.reads_beside_logins_per_second,
        "login_connections": outcome.options.login_connections,
        "logins_per_second": found.logins_per_second,
        "server_cpu_ms_per_login": outcome.login_cpu_ms,
        "errors": found.errors,
        "runs_alone": [_run(run) for run in found.alone],
        "runs_beside_logins": [_run(run) for run in found.beside_logins],
        "login_loads": [asdict(result) for result in found.logins],
    }


def write(outcome: Outcome, directory: Path, stamp: str) -> list[Path]:
    text, data = markdown(outcome), json.dumps(document(outcome), indent=2) + "\n"
    written = []
    for name in (stamp, "latest"):
        for suffix, content in ((".md", text), (".json", data)):
            path = directory / f"{name}{suffix}"
            path.write_text(content)
            written.append(path)
    return written


def _row(measured: Measured, ceiling: float) -> str:
    rate = measured.requests_per_second
    cells = [
        measured.scenario.name,
        f"{rate:,.0f}",
        f"{rate / ceiling:.1%}" if ceiling else "n/a",
        _ms(measured.median(lambda run: run.result.p50_ms)),
        _ms(measured.median(lambda run: run.result.p99_ms)),
        _errors(measured.runs),
        _ms(measured.median(Run.server_cpu_ms_per_request)),
        _ms(measured.median(Run.database_cpu_ms_per_request)),
        _cores(measured.cores_busy),
        f"`{measured.scenario.label}`",
    ]
    return "| " + " | ".join(cells) + " |"


def _saturated(measured: dict[str, Measured], cpus: int | None) -> str:
    """Names the scenarios whose runs kept the whole machine busy: their throughput is the machine's."""
    if not cpus:
        return ""
    names = [
        name
        for name, found in measured.items()
        if (busy := found.cores_busy) is not None and busy >= 0.95 * cpus
    ]
    if not names:
        return ""
    return (
        f"**Bound by the machine:** {', '.join(names)} kept all {cpus} CPUs at least 95% busy (server, "
        "PostgreSQL, wrk and the kernel together); more workers cannot make these faster here."
    )


def _cores(busy: float | None) -> str:
    return "n/a" if busy is None else f"{busy:.2f}"


def _errors(runs: tuple[Run, ...]) -> str:
    """The failed requests of all measured runs, with what they were when there are any."""
    total = sum(run.result.errors for run in runs)
    if not total:
        return "0"
    kinds: dict[str, int] = {}
    for run in runs:
        for kind, count in run.result.socket_errors.items():
            kinds[kind] = kinds.get(kind, 0) + count
        for status, count in run.result.statuses.items():
            if not status.startswith("2"):
                kinds[f"HTTP {status}"] = kinds.get(f"HTTP {status}", 0) + count
    return f"**{total:,}** (" + ", ".join(f"{kind}: {n:,}" for kind, n in kinds.items() if n) + ")"


def _interference(found: Interference, login_cpu_ms: float | None, login_connections: int) -> str:
    cost = f"{login_cpu_ms:.1f} ms" if login_cpu_ms is not None else "n/a"
    errors = f" **{found.errors:,} errors.**" if found.errors else ""
    return (
        f"**Login interference:** `GET /api/articles/{{slug}}` p99 {found.p99_alone_ms:.2f} ms alone, "
        f"{found.p99_beside_logins_ms:.2f} ms while {login_connections} more connections log in flat out "
        f"({found.ratio:.2f}x; article reads {found.reads_alone_per_second:,.0f} → "
        f"{found.reads_beside_logins_per_second:,.0f}/s) at {found.logins_per_second:,.1f} logins/s; "
        f"one login costs {cost} of server CPU (login scenario).{errors}"
    )


def _memory(peaks: dict[str, dict[int, float]]) -> str:
    parts = [
        f"{name} {max(by_pid.values()):.0f} MB"
        + (f" (largest of {len(by_pid)} processes)" if len(by_pid) > 1 else "")
        for name, by_pid in peaks.items()
        if by_pid
    ]
    return "**Peak RSS (VmHWM):** " + ", ".join(parts) + "."


def _seeded(line: str) -> str:
    """`conduit seed`'s summary without its first word and the password reminder."""
    return line.removeprefix("seeded ").split(" (password")[0]


def _fixtures(fixtures: Fixtures) -> str:
    return (
        f"Fixtures: tag `{fixtures.popular_tag}`, article `{fixtures.article_slug}`, author "
        f"`{fixtures.prolific_author}`, favorited by `{fixtures.top_favoriter}`, profile "
        f"`{fixtures.followed_username}`, reader (feed, profile, login) `{fixtures.reader_email}`, "
        f"{len(fixtures.writer_emails)} writers over {len(fixtures.favorite_slugs)} articles."
    )


def _scenario(measured: Measured, ceiling: float) -> dict[str, Any]:
    rate = measured.requests_per_second
    return {
        "label": measured.scenario.label,
        "median": {
            "requests_per_second": rate,
            "share_of_ceiling": rate / ceiling if ceiling else None,
            "p50_ms": measured.median(lambda run: run.result.p50_ms),
            "p90_ms": measured.median(lambda run: run.result.p90_ms),
            "p99_ms": measured.median(lambda run: run.result.p99_ms),
            "server_cpu_ms_per_request": measured.median(Run.server_cpu_ms_per_request),
            "database_cpu_ms_per_request": measured.median(Run.database_cpu_ms_per_request),
            "cores_busy": measured.cores_busy,
        },
        "errors": measured.errors,
        "runs": [_run(run) for run in measured.runs],
    }


def _run(run: Run) -> dict[str, Any]:
    return asdict(run.result) | {
        "requests_per_second": run.result.requests_per_second,
        "errors": run.result.errors,
        "server_cpu_seconds": run.server_cpu_seconds,
        "database_cpu_seconds": run.database_cpu_seconds,
        "server_cpu_ms_per_request": run.server_cpu_ms_per_request(),
        "database_cpu_ms_per_request": run.database_cpu_ms_per_request(),
        "cores_busy": run.cores_busy,
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _settings(settings: dict[str, str]) -> str:
    return ", ".join(f"`{name}={value}`" for name, value in sorted(settings.items()))
