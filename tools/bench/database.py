"""A freshly migrated and seeded database, through the same `conduit` commands an operator would use."""

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.bench import processes
from tools.bench.options import Options

CONDUIT = str(Path(sys.prefix) / "bin" / "conduit")
# Settings the benchmark decides; any other CONDUIT_* variable in the environment (say a pool size being
# tuned) passes through to every command and is recorded with the results.
CONTROLLED = {
    "CONDUIT_ENV": "development",
    "CONDUIT_ACCESS_LOG": "false",
    "CONDUIT_LOG_LEVEL": "WARNING",
    "CONDUIT_MIGRATE_ON_START": "false",
    # Fixed, so tokens would survive a server restart; this server only ever holds seeded data.
    "CONDUIT_JWT_SECRET": "conduit-benchmark-only-secret-0123456789abcdef",
    # The writers write far faster than any person: a budget that refills at once is spent (and so
    # measured) as usual, in leases of the default burst's size, but never refuses.
    "CONDUIT_WRITES_PER_MINUTE": "1000000000",
}
SEED_TIMEOUT_SECONDS = 600.0
COMMAND_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    env: dict[str, str]  # the environment every `conduit` command and the server run with
    pgdata: Path | None  # the embedded server's data, None for an external server
    seeded: str  # what `conduit seed` said it loaded

    def postmaster_pid(self) -> int | None:
        if self.pgdata is None:
            return None
        return int((self.pgdata / "postmaster.pid").read_text().split()[0])


def passed_through() -> dict[str, str]:
    """The CONDUIT_* settings taken from the environment as they are."""
    return {
        name: value
        for name, value in os.environ.items()
        if name.startswith("CONDUIT_")
        and name not in (*CONTROLLED, "CONDUIT_DATABASE_URL", "CONDUIT_DATA_DIR")
    }


@contextmanager
def fresh_database(options: Options, workdir: Path) -> Iterator[Database]:
    """Migrate and seed a new embedded server in `workdir/data` (or the empty --database-url), and stop the
    embedded server afterwards, also after a failure or Ctrl-C."""
    data_dir = workdir / "data"
    env = {name: value for name, value in os.environ.items() if not name.startswith("CONDUIT_")}
    env |= passed_through() | CONTROLLED | {"CONDUIT_DATA_DIR": str(data_dir)}
    if options.database_url is not None:
        env["CONDUIT_DATABASE_URL"] = options.database_url
    log = workdir / "conduit.log"

    def conduit(*args: str, timeout: float = COMMAND_TIMEOUT_SECONDS) -> str:
        # Run from the work folder: a developer's .env in the checkout must not redirect the seeding.
        return processes.run([CONDUIT, *args], env=env, cwd=workdir, log=log, timeout=timeout).strip()

    embedded = options.database_url is None
    try:
        if embedded:
            conduit("db", "start")
        conduit("migrate")
        size = options.size
        seed = ["--users", str(size.users), "--articles", str(size.articles), "--seed", "1"]
        seeded = conduit("seed", *seed, timeout=SEED_TIMEOUT_SECONDS).splitlines()[-1]
        url = conduit("db", "url").splitlines()[-1]
        yield Database(url, env, data_dir / "postgres" if embedded else None, seeded)
    finally:
        if embedded:
            with processes.shielded():
                _stop_embedded(conduit, data_dir, keep=options.keep_data)


def _stop_embedded(conduit: Callable[..., str], data_dir: Path, *, keep: bool) -> None:
    try:
        conduit("db", "stop")
    except processes.BenchError as error:
        print(f"warning: {error}; keeping {data_dir}", file=sys.stderr)
        return
    if not keep:
        shutil.rmtree(data_dir, ignore_errors=True)
