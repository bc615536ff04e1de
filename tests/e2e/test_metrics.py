"""Prometheus metrics of real processes, on their own ports: `conduit serve --workers 2` sums its
workers', and `conduit worker` counts the outbox's backlog and its dead letters."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from entrypoints import migrations
from tests.support.database import fresh_database
from tests.support.live import free_port, live_conduit
from tests.support.metrics import scrape_until, value

pytestmark = pytest.mark.postgres

CONDUIT = str(Path(sys.executable).with_name("conduit"))
UNMATCHED_404 = 'conduit_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}'
SLUG_ROUTE = (
    'conduit_http_request_duration_seconds_count{method="GET",route="/api/articles/{slug}",status="200"}'
)


def test_serve_sums_its_workers_and_labels_routes_by_template(pg_server: str, tmp_path: Path) -> None:
    port = free_port()
    metrics = f"http://127.0.0.1:{port}/metrics"
    env = {"CONDUIT_METRICS_PORT": str(port), "CONDUIT_WRITE_BURST": "1"}
    with live_conduit(pg_server, tmp_path, env, workers=2) as (api, log):
        user = {
            "username": "metrics-alice",
            "email": "metrics-alice@example.com",
            "password": "pass-phrase-1",
        }
        token = httpx.post(f"{api}/users", json={"user": user}).json()["user"]["token"]
        auth = {"Authorization": f"Token {token}"}
        article = {"article": {"title": "Counted secretly", "description": "d", "body": "b"}}
        slug = httpx.post(f"{api}/articles", json=article, headers=auth).json()["article"]["slug"]
        assert httpx.post(f"{api}/articles", json=article, headers=auth).status_code == 429
        for _ in range(20):  # a connection each: the kernel spreads them across both workers
            assert httpx.get(f"{api}/articles/{slug}").status_code == 200
        assert httpx.get(f"{api}/no-such-route/{user['email']}").status_code == 404

        # Each worker's pool may hold 10: both are live, and counted, once the sum is 20. Each worker
        # writes its counts down once a second: wait for every request to be there.
        expected = {"conduit_db_pool_max_connections": 20, SLUG_ROUTE: 20, UNMATCHED_404: 1}
        text = scrape_until(metrics, lambda t: all(value(t, k) == v for k, v in expected.items()))
        assert {series: value(text, series) for series in expected} == expected
        assert value(text, 'conduit_http_throttled_requests_total{budget="writes"}') == 1
        assert (
            'conduit_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/articles/{slug}"'
            in text
        )
        assert value(text, "conduit_http_requests_in_flight") is not None
        for gauge in ("conduit_db_pool_connections", "conduit_db_pool_idle_connections"):
            assert (value(text, gauge) or 0) >= 2, gauge
        assert value(text, "conduit_db_pool_waiting_requests") == 0
        assert value(text, "conduit_outbox_up") == 1
        assert value(text, "conduit_outbox_pending_events") == 1  # the publication; no worker runs
        assert (value(text, "conduit_outbox_oldest_pending_age_seconds") or -1) >= 0
        for personal in (slug, user["username"], user["email"], token):
            assert personal not in text
        assert f"metrics=http://127.0.0.1:{port}/metrics" in log.read_text()


def test_the_worker_counts_its_backlog_and_dead_letters(pg_server: str, tmp_path: Path) -> None:
    port = free_port()
    metrics = f"http://127.0.0.1:{port}/metrics"
    with fresh_database(pg_server, "worker_metrics") as url:
        migrations.upgrade(url)
        with psycopg.connect(url) as conn:
            # One that cannot be delivered (nobody to notify), and one not due for an hour.
            conn.execute(
                """INSERT INTO outbox (topic, payload, created_at, available_at) VALUES
                   ('UserFollowed', %s, now(), now()),
                   ('UserFollowed', %s, now() - interval '1 minute', now() + interval '1 hour')""",
                (json.dumps({"follower_id": 1, "followee_id": 2}),) * 2,
            )
        env = {
            **os.environ,
            "CONDUIT_DATABASE_URL": url,
            "CONDUIT_DATA_DIR": str(tmp_path),
            "CONDUIT_JWT_SECRET": "worker-metrics-secret-of-at-least-32-bytes",
            "CONDUIT_WORKER_METRICS_PORT": str(port),
            "CONDUIT_WORKER_MAX_ATTEMPTS": "1",
        }
        log = tmp_path / "worker.log"
        with log.open("w") as out:
            worker = subprocess.Popen([CONDUIT, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            dead = 'conduit_outbox_dead_lettered_events_total{event="UserFollowed"}'
            text = ""
            deadline = time.monotonic() + 30  # a start-up on a busy machine included
            while value(text, dead) != 1 and time.monotonic() < deadline:
                assert worker.poll() is None, log.read_text()
                try:
                    text = httpx.get(metrics, timeout=5).text
                except httpx.TransportError:
                    time.sleep(0.1)
            assert value(text, dead) == 1, log.read_text()
            assert value(text, "conduit_outbox_pending_events") == 1
            assert (value(text, "conduit_outbox_oldest_pending_age_seconds") or 0) >= 60
            assert value(text, "conduit_outbox_up") == 1
            text = scrape_until(metrics, lambda t: value(t, "conduit_db_pool_max_connections") is not None)
            assert value(text, "conduit_db_pool_max_connections") == 10
            assert f"metrics=http://127.0.0.1:{port}/metrics" in log.read_text()
        finally:
            worker.terminate()
            worker.wait(timeout=20)
