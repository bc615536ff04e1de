"""`python3 dev.py bench`: seed, serve, load, measure, report, and stop everything it started."""

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from tools.bench import client, fixtures, instructions, machine, report, servers, wrk
from tools.bench.database import Database, fresh_database, passed_through
from tools.bench.interference import Interference, measure_interference
from tools.bench.measure import Measured, Run, Target, measure
from tools.bench.options import Options, parse
from tools.bench.proc import ProcessTree
from tools.bench.processes import BenchError, interrupt_on_termination
from tools.bench.scenarios import (
    CEILING,
    INTERFERENCE,
    PASSWORD,
    Scenario,
    Tokens,
    ceiling,
    conduit_scenarios,
)

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Session:
    """What every measurement of one benchmark run shares."""

    options: Options
    wrk_path: str
    workdir: Path

    @property
    def load(self) -> wrk.Load:
        options = self.options
        return wrk.Load(options.connections, options.threads, options.duration, options.timeout)


def main(argv: list[str]) -> int:
    options = parse(argv)
    interrupt_on_termination()
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    try:
        if options.instructions:
            return instructions.main(options, RESULTS, stamp)
        if options.broker:
            from tools.bench import broker

            return broker.main()
        session = Session(options, wrk.find_wrk(), RESULTS / stamp)
        session.workdir.mkdir(parents=True)
        outcome = _benchmark(session, started)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; every process the benchmark started has been stopped", file=sys.stderr)
        return 130
    print(report.markdown(outcome))
    written = report.write(outcome, RESULTS, stamp)
    _say(f"written: {', '.join(map(str, written))}; logs in {session.workdir}")
    return 0


def _benchmark(session: Session, started: datetime) -> report.Outcome:
    options = session.options
    # Described first: the load average tells how busy the machine was before the benchmark loaded it, and
    # the commit is the code the server is about to load (the checkout may change during a long run).
    host, git = machine.describe(wrk.version(session.wrk_path)), machine.git()
    where = "the --database-url database" if options.database_url else "a fresh embedded database"
    _say(f"seeding {options.size.users:,} users and {options.size.articles:,} articles into {where}")
    with fresh_database(options, session.workdir) as database:
        _say(database.seeded)
        chosen, postgres_version = _inspect(database)
        first, ceiling_rss = _measure_ceiling(session)
        measured = {CEILING: first}
        port = options.port or servers.free_port()
        with servers.conduit(database.env, port, options.workers, session.workdir) as server:
            postmaster = database.postmaster_pid()
            target = Target(session.wrk_path, server, ProcessTree(postmaster) if postmaster else None)
            scenarios = conduit_scenarios(chosen, _log_in(server, chosen), run_id=session.workdir.name)
            interference = _measure_conduit(session, scenarios, target, measured)
            conduit_rss = server.tree.peak_rss_mb()
        # A shared machine's speed drifts during a long run: the yardstick is measured again at the end,
        # under the same conditions, and every share is of the median over both ends (the report shows how
        # far apart they were).
        last, _ = _measure_ceiling(session)
        measured[CEILING] = Measured(first.scenario, first.runs + last.runs)

    login = measured.get("login")
    return report.Outcome(
        ceiling_first_and_last=(first.requests_per_second, last.requests_per_second),
        started=started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        finished=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        options=options,
        machine=host | {"postgresql": postgres_version, "load_average_after": machine.load_average()},
        git=git,
        settings=passed_through(),
        seeded=database.seeded,
        fixtures=chosen,
        measured=measured,
        interference=interference,
        login_cpu_ms=login.median(Run.server_cpu_ms_per_request) if login else None,
        peak_rss_mb={"conduit": conduit_rss, "ceiling": ceiling_rss},
    )


def _measure_ceiling(session: Session) -> tuple[Measured, dict[int, float]]:
    with servers.ceiling(servers.free_port(), session.options.workers, session.workdir) as yardstick:
        measured = _measure(session, ceiling(), Target(session.wrk_path, yardstick, None))
        return measured, yardstick.tree.peak_rss_mb()


def _measure_conduit(
    session: Session, scenarios: dict[str, Scenario], target: Target, measured: dict[str, Measured]
) -> Interference | None:
    """Measure the chosen scenarios in order into `measured`; return the interference result if chosen."""
    interference = None
    for name in session.options.scenarios:
        if name == INTERFERENCE:
            interference = _measure_interference(session, scenarios, target)
        elif name != CEILING:
            measured[name] = _measure(session, scenarios[name], target)
    if interference is not None and "login" not in measured:
        # What one login costs the server comes from a login-only run.
        measured["login"] = _measure(session, scenarios["login"], target)
    return interference


def _measure_interference(session: Session, scenarios: dict[str, Scenario], target: Target) -> Interference:
    options = session.options
    _say(
        f"{INTERFERENCE}: article reads alone, then beside {options.login_connections} connections logging in"
    )
    found = measure_interference(
        scenarios["article"],
        scenarios["login"],
        target,
        session.load,
        wrk.Load(options.login_connections, 1, options.duration, options.timeout),
        warmup=options.warmup,
        repeat=options.repeat,
        workdir=session.workdir,
    )
    alone, beside = found.p99_alone_ms, found.p99_beside_logins_ms
    _say(
        f"  article p99 {alone:.2f} ms alone, {beside:.2f} ms beside {found.logins_per_second:,.1f} logins/s"
    )
    return found


def _inspect(database: Database) -> tuple[fixtures.Fixtures, str]:
    try:
        return fixtures.pick(database.url), fixtures.server_version(database.url)
    except psycopg.Error as error:
        raise BenchError(f"cannot read the seeded database: {error}") from error


def _log_in(server: servers.Server, chosen: fixtures.Fixtures) -> Tokens:
    _say(f"{server.base_url} is ready; logging in {len(chosen.writer_emails) + 1} users")
    return Tokens(
        reader=client.log_in(server.base_url, chosen.reader_email, PASSWORD),
        writers=tuple(client.log_in(server.base_url, email, PASSWORD) for email in chosen.writer_emails),
    )


def _measure(session: Session, scenario: Scenario, target: Target) -> Measured:
    _say(f"{scenario.name}: {scenario.label}")
    options = session.options
    return measure(
        scenario, target, session.load, warmup=options.warmup, repeat=options.repeat, after_each=_show_run
    )


def _show_run(run: Run) -> None:
    result, cpu = run.result, run.server_cpu_ms_per_request()
    cpu_text = "n/a" if cpu is None else f"{cpu:.2f}"
    _say(
        f"  {result.requests_per_second:9,.0f} req/s   p50 {result.p50_ms:7.2f} ms   "
        f"p99 {result.p99_ms:7.2f} ms   errors {result.errors:,}   server CPU {cpu_text} ms/req"
    )


def _say(message: str) -> None:
    # Progress goes to stderr, so stdout carries only the Markdown report.
    print(message, file=sys.stderr, flush=True)
