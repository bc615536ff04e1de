"""Conduit's server and worker through a real PgBouncer in transaction mode (tests/support/pgbouncer.py).

The database's own time zone is not UTC here, so a session that only inherited the server's would show.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.support.database import database_name, fresh_database
from tests.support.live import conduit_serving, start_conduit
from tests.support.pgbouncer import through

pytestmark = pytest.mark.postgres

CONDUIT = str(Path(sys.executable).with_name("conduit"))
NOT_UTC = "Pacific/Auckland"
# Debian's PgBouncer 1.18 keeps no protocol-level prepared statements.
BEHIND_PGBOUNCER = {"CONDUIT_PREPARE_THRESHOLD": "none", "CONDUIT_MIGRATE_ON_START": "true"}


@pytest.fixture
def direct_url(pg_server: str) -> Iterator[str]:
    """A fresh, unmigrated database whose own time zone is not UTC."""
    with fresh_database(pg_server, "pgbouncer") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET timezone = {}").format(
                    sql.Identifier(database_name(url)), sql.Literal(NOT_UTC)
                )
            )
        yield url


@contextmanager
def serving_through_pgbouncer(direct_url: str, port: int, workdir: Path) -> Iterator[tuple[str, Path]]:
    """`conduit serve` whose pool goes through PgBouncer; it migrates over the direct URL first."""
    pooled = through(port, direct_url)
    with conduit_serving(
        pooled, workdir, CONDUIT_DIRECT_DATABASE_URL=direct_url, **BEHIND_PGBOUNCER
    ) as served:
        yield served


def session_through(pooled_url: str) -> tuple[str, str, str]:
    with psycopg.connect(pooled_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_setting('TimeZone'), current_setting('statement_timeout'), "
            "current_setting('plan_cache_mode')"
        ).fetchone()
    assert row is not None
    return row


def test_serve_starts_through_pgbouncer_with_utc_its_timeout_and_generic_plans(
    direct_url: str, pgbouncer_port: int, tmp_path: Path
) -> None:
    with serving_through_pgbouncer(direct_url, pgbouncer_port, tmp_path) as (api, log_path):
        assert httpx.get(f"{api}/articles", timeout=5).json() == {"articles": [], "articlesCount": 0}
        # Any server connection PgBouncer opens for the database has them, whoever asks.
        assert session_through(through(pgbouncer_port, direct_url)) == ("UTC", "5s", "force_generic_plan")
    assert "status=5" not in log_path.read_text()


def test_serve_says_what_to_set_when_pointed_at_pgbouncer_alone(
    direct_url: str, pgbouncer_port: int, tmp_path: Path
) -> None:
    server, _, log_path = start_conduit(through(pgbouncer_port, direct_url), tmp_path, **BEHIND_PGBOUNCER)
    assert server.wait(timeout=30) == 1
    said = log_path.read_text()
    assert "unsupported startup parameter: options" in said
    assert "set CONDUIT_DIRECT_DATABASE_URL to the server itself" in said
    assert "Traceback" not in said


def register(client: httpx.Client, name: str) -> str:
    body = {"user": {"username": name, "email": f"{name}@example.com", "password": "pass-phrase-123"}}
    response = client.post("/users", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["user"]["token"])


def listening(direct_url: str) -> bool:
    with psycopg.connect(direct_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
        ).fetchone()
    return bool(row and row[0])


def test_worker_through_pgbouncer_turns_a_follow_into_a_notification_when_woken(
    direct_url: str, pgbouncer_port: int, tmp_path: Path
) -> None:
    with serving_through_pgbouncer(direct_url, pgbouncer_port, tmp_path / "api") as (api, _):
        env = {
            **os.environ,
            "CONDUIT_DATABASE_URL": through(pgbouncer_port, direct_url),
            "CONDUIT_DIRECT_DATABASE_URL": direct_url,
            "CONDUIT_PREPARE_THRESHOLD": "none",
            "CONDUIT_DATA_DIR": str(tmp_path / "worker"),
            "CONDUIT_JWT_SECRET": "realworld-suite-secret-of-thirty-two-bytes+",
            # Only the NOTIFY can wake it within the test: the poll would come too late.
            "CONDUIT_WORKER_POLL_SECONDS": "120",
        }
        log_path = tmp_path / "worker.log"
        with log_path.open("w") as log:
            worker = subprocess.Popen([CONDUIT, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not listening(direct_url):
                assert worker.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"the worker never listened:\n{log_path.read_text()}"
                time.sleep(0.1)
            with httpx.Client(base_url=api, timeout=5) as client:
                alice, bob = register(client, "alice"), register(client, "bob")
                followed = client.post("/profiles/bob/follow", headers={"Authorization": f"Token {alice}"})
                assert followed.status_code == 200, followed.text
                deadline = time.monotonic() + 20
                while True:
                    inbox = client.get("/notifications", headers={"Authorization": f"Token {bob}"}).json()
                    if inbox["notifications"]:
                        break
                    assert time.monotonic() < deadline, f"no notification:\n{log_path.read_text()}"
                    time.sleep(0.1)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    assert [n["kind"] for n in inbox["notifications"]] == ["userFollowed"], inbox
