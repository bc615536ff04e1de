"""`conduit worker` as real processes: two at once share the work, and a killed one loses nothing."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from entrypoints import migrations
from tests.support.database import fresh_database

pytestmark = pytest.mark.postgres

CONDUIT = str(Path(sys.executable).with_name("conduit"))


@pytest.fixture
def outbox_database(pg_server: str) -> Iterator[str]:
    with fresh_database(pg_server, "worker") as url:
        migrations.upgrade(url)
        yield url


def fill_outbox(url: str, events: int) -> None:
    """``events`` UserFollowed events between distinct pairs of 100 users: one notification each."""
    with psycopg.connect(url) as conn:
        conn.execute(
            """INSERT INTO users (username, username_key, email, password_hash, created_at, updated_at)
               SELECT 'u' || n, 'u' || n, 'u' || n || '@x.io', 'x', now(), now()
               FROM generate_series(1, 100) n"""
        )
        pairs = [(1 + i % 100, 1 + (i // 100 + i % 100 + 1) % 100) for i in range(events)]
        with conn.cursor() as cursor:
            cursor.executemany(
                """INSERT INTO outbox (topic, payload, created_at, available_at)
                   VALUES ('UserFollowed', %s, now(), now())""",
                [(json.dumps({"follower_id": a, "followee_id": b}),) for a, b in pairs],
            )
        conn.execute("NOTIFY conduit_outbox")  # as the API's bell does: waiting workers wake at once


def start_worker(url: str, tmp_path: Path, name: str, batch: int) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / f"{name}.log"
    env = {
        **os.environ,
        "CONDUIT_DATABASE_URL": url,
        "CONDUIT_DATA_DIR": str(tmp_path),
        "CONDUIT_JWT_SECRET": "worker-test-secret-of-at-least-32-bytes!",
        "CONDUIT_WORKER_BATCH_SIZE": str(batch),
        "CONDUIT_LOG_LEVEL": "INFO",
        "CONDUIT_WORKER_METRICS_PORT": "0",  # several workers at once: one port would not do
    }
    with log.open("w") as out:
        process = subprocess.Popen([CONDUIT, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, log


def counts(url: str) -> tuple[int, int, int]:
    """(events still pending, notifications, distinct events notified about)"""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """SELECT (SELECT count(*) FROM outbox WHERE status <> 'done'),
                      (SELECT count(*) FROM notifications),
                      (SELECT count(DISTINCT event_id) FROM notifications)"""
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def wait_until(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail("timed out")


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=20)


def test_two_workers_share_a_thousand_events_each_handled_once(outbox_database: str, tmp_path: Path) -> None:
    workers = [start_worker(outbox_database, tmp_path, f"w{i}", batch=25) for i in range(2)]
    # Both running before there is work: one worker alone can finish it before the other has started.
    wait_until(lambda: all("worker started" in log.read_text() for _, log in workers), 30)
    fill_outbox(outbox_database, 1000)
    wait_until(lambda: counts(outbox_database)[0] == 0)
    assert [stop(process) for process, _ in workers] == [0, 0]
    assert counts(outbox_database) == (0, 1000, 1000)
    handled = [int(log.read_text().rsplit("after handling ", 1)[1].split()[0]) for _, log in workers]
    assert sum(handled) == 1000
    assert min(handled) > 0, f"both workers should have taken part: {handled}"


def test_a_worker_killed_mid_batch_loses_nothing(outbox_database: str, tmp_path: Path) -> None:
    fill_outbox(outbox_database, 3000)
    first, _ = start_worker(outbox_database, tmp_path, "killed", batch=1000)
    wait_until(lambda: counts(outbox_database)[1] >= 200)
    first.kill()
    first.wait(timeout=10)
    pending, notified, _ = counts(outbox_database)
    assert pending > 0
    assert notified < 3000
    second, _ = start_worker(outbox_database, tmp_path, "restarted", batch=1000)
    wait_until(lambda: counts(outbox_database)[0] == 0)
    assert stop(second) == 0
    assert counts(outbox_database) == (0, 3000, 3000)


def test_stop_signal_lets_the_worker_exit_cleanly_when_idle(outbox_database: str, tmp_path: Path) -> None:
    worker, log = start_worker(outbox_database, tmp_path, "idle", batch=10)
    wait_until(lambda: "worker started" in log.read_text(), 30)
    started = time.monotonic()
    assert stop(worker) == 0
    assert time.monotonic() - started < 5, "an idle worker must not wait out its poll interval"
    assert "worker stopped after handling 0 events" in log.read_text()
