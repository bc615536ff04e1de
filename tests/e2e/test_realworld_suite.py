"""The official RealWorld Postman collection, run by its own script against a live `conduit serve`.

The collection is not ours: tests/support/realworld.py says where it is read from. Without it, or without
Node.js/npm, the test is skipped loudly; with CI=true it fails instead.
"""

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import httpx
import psycopg
import pytest

from entrypoints import migrations
from tests.support.database import database_name, fresh_database
from tests.support.live import conduit_serving
from tests.support.pgbouncer import through
from tests.support.realworld import official_file
from tests.support.replica import Standby

pytestmark = pytest.mark.postgres

RUNNER_NAME = "run-api-tests"


def _runner() -> Path | str:
    """The runner script, or why it cannot be used."""
    runner = official_file(RUNNER_NAME)
    if isinstance(runner, str):
        return runner
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not installed" if missing else runner


def test_official_realworld_collection_passes_completely(live_server: tuple[str, Path]) -> None:
    run_collection(*live_server)


def test_official_realworld_collection_passes_through_pgbouncer(
    pg_server: str, pgbouncer_port: int, tmp_path: Path
) -> None:
    """The pool goes through PgBouncer in transaction mode; migrations and the role's session settings go
    over the direct URL, which `conduit serve` migrates first."""
    with (
        fresh_database(pg_server, "realworld") as direct_url,
        conduit_serving(
            through(pgbouncer_port, direct_url),
            tmp_path,
            CONDUIT_DIRECT_DATABASE_URL=direct_url,
            CONDUIT_PREPARE_THRESHOLD="none",
            CONDUIT_MIGRATE_ON_START="true",
        ) as served,
    ):
        run_collection(*served)


def test_official_realworld_collection_passes_with_reads_on_a_replica(
    synced_pair: tuple[str, Standby], tmp_path: Path
) -> None:
    """Every query-port read on a streaming replica that applies each commit before it returns (the
    collection's users read each other's writes at once; lag is test_read_replicas.py's)."""
    primary, standby = synced_pair
    with fresh_database(primary, "realworld") as url:
        migrations.upgrade(url)
        replica = standby.url(database_name(url))
        with conduit_serving(url, tmp_path, CONDUIT_READ_DATABASE_URL=replica) as served:
            run_collection(*served)
            readiness = httpx.get(served[0].removesuffix("/api") + "/readyz", timeout=5).json()
            # The collection's last reads may have been of comments or profiles: one of the articles last,
            # by a client without the cookie of anyone's writes.
            assert httpx.get(f"{served[0]}/articles", timeout=5).status_code == 200
            with psycopg.connect(replica, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'conduit'"
                    " AND datname = current_database() AND query LIKE '%%FROM articles%%'"
                ).fetchone()
        assert [r["state"] for r in readiness["replicas"]] == ["in rotation"]
        assert row is not None
        assert row[0] > 0, "no article read reached the replica"


def run_collection(api_url: str, log_path: Path) -> None:
    runner = _runner()
    if isinstance(runner, str):
        reason = runner
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the official API suite cannot run: {reason}")
        warnings.warn(f"SKIPPING the official RealWorld API suite: {reason}", stacklevel=1)
        pytest.skip(f"official RealWorld API suite not run: {reason}")
    result = subprocess.run(
        [str(runner)],
        env={**os.environ, "APIURL": api_url},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(f"official RealWorld suite: {summary}")
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert re.fullmatch(r"\d+ passed, 0 failed", summary), summary
    server_errors = [line for line in log_path.read_text().splitlines() if re.search(r"status=5\d\d", line)]
    assert not server_errors, server_errors
