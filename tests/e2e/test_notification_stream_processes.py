"""Across processes on PostgreSQL: streams on a live `conduit serve` (two workers, so two listening
processes) hear a notification that another process (the test's own container, as `conduit worker`
would) commits, within 250 ms of the commit; and open streams do not hold up a server that stops."""

import asyncio
import statistics
import time
from pathlib import Path

import httpx
import pytest

from adapters.nats.embedded import EmbeddedNats
from entrypoints import migrations
from entrypoints.container import build_container, running
from tests.e2e.conftest import settings_for
from tests.support.broker import conduit, stop, wait_until_listening
from tests.support.database import fresh_database
from tests.support.live import conduit_serving, start_conduit, wait_until_ready
from tests.support.sse import Event, parsed_lines

pytestmark = pytest.mark.postgres

STREAMS = 4  # on two workers: the kernel spreads them, so both processes' listeners are exercised
ROUNDS = 5
WITHIN_SECONDS = 0.25


async def registered(client: httpx.AsyncClient, name: str) -> str:
    body = {"user": {"username": name, "email": f"{name}@example.com", "password": "pass-phrase-123"}}
    response = await client.post("/users", json=body)
    assert response.status_code == 201, response.text
    token: str = response.json()["user"]["token"]
    return token


async def test_a_delivery_by_another_process_reaches_every_stream_within_250_ms(
    pg_server: str, tmp_path: Path
) -> None:
    with fresh_database(pg_server, "streams") as url:
        migrations.upgrade(url)
        with conduit_serving(url, tmp_path / "serve", workers=2) as (api_url, _):
            worker = build_container(settings_for(tmp_path, url))
            async with running(worker), httpx.AsyncClient(base_url=api_url, timeout=10) as client:
                latencies = await _measured(client, worker.process_events())
    print(
        f"delivery commit -> stream: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms over {len(latencies)} receipts"
    )
    assert max(latencies) <= WITHIN_SECONDS, latencies


async def test_with_a_broker_consume_signals_every_stream_on_nats_within_250_ms(
    pg_server: str, nats_broker: EmbeddedNats, tmp_path: Path
) -> None:
    """The relay, `conduit consume` and the API's streams all on the broker: a follow's notification
    reaches every stream within 250 ms of the follow's answer (relay, JetStream and delivery included)."""
    with fresh_database(pg_server, "streams_nats") as url:
        migrations.upgrade(url)
        env = {"CONDUIT_DATABASE_URL": url, "CONDUIT_BROKER_URL": nats_broker.url}
        relay, consumer = conduit("worker", env=env), conduit("consume", env=env)
        try:
            wait_until_listening(url)
            with conduit_serving(url, tmp_path / "serve", workers=2, CONDUIT_BROKER_URL=nats_broker.url) as (
                api_url,
                _,
            ):
                async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
                    latencies = await _measured(client, None)
        finally:
            assert [stop(relay), stop(consumer)] == [0, 0]
    print(
        f"follow answered -> stream, through the broker: median {statistics.median(latencies) * 1000:.1f} ms,"
        f" max {max(latencies) * 1000:.1f} ms over {len(latencies)} receipts"
    )
    assert max(latencies) <= WITHIN_SECONDS, latencies


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_ends_the_open_streams_cleanly_and_the_server_stops_at_once(
    pg_server: str, tmp_path: Path, workers: int
) -> None:
    with fresh_database(pg_server, f"stopping{workers}") as url:
        migrations.upgrade(url)
        server, api_url, log_path = start_conduit(url, tmp_path, workers=workers)
        try:
            wait_until_ready(api_url.removesuffix("/api") + "/readyz", server, log_path)
            async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
                headers = {"Authorization": f"Token {await registered(client, 'alice')}"}
                opened = [asyncio.Event() for _ in range(STREAMS)]

                async def read_to_its_end(index: int) -> None:
                    async with client.stream("GET", "/notifications/stream", headers=headers) as response:
                        assert response.status_code == 200
                        # httpx raises if the body is cut off before its last chunk.
                        async for _ in parsed_lines(response.aiter_raw()):
                            opened[index].set()

                readers = [asyncio.ensure_future(read_to_its_end(i)) for i in range(STREAMS)]
                await asyncio.wait_for(asyncio.gather(*(each.wait() for each in opened)), 10)
                signalled = time.perf_counter()
                server.terminate()
                await asyncio.wait_for(asyncio.gather(*readers), 5)
                status = await asyncio.to_thread(server.wait, 10)
                stopped = time.perf_counter() - signalled
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert status == 0, log_path.read_text()
    assert stopped < 5, log_path.read_text()
    assert "Traceback" not in log_path.read_text()


async def _measured(client: httpx.AsyncClient, process: object) -> list[float]:
    """``process``: delivers in this process (its call is timed); None: another process delivers (timed
    from the follow's answer)."""
    alice = await registered(client, "alice")
    followers = [await registered(client, f"follower{i}") for i in range(ROUNDS)]
    heard: list[asyncio.Queue[tuple[float, Event]]] = [asyncio.Queue() for _ in range(STREAMS)]
    ready = [asyncio.Event() for _ in range(STREAMS)]

    async def listen(index: int) -> None:
        headers = {"Authorization": f"Token {alice}"}
        async with client.stream("GET", "/notifications/stream", headers=headers, timeout=None) as response:
            assert response.status_code == 200
            async for event in parsed_lines(response.aiter_raw()):
                if event.event is None:
                    ready[index].set()
                else:
                    heard[index].put_nowait((time.perf_counter(), event))

    listeners = [asyncio.ensure_future(listen(i)) for i in range(STREAMS)]
    latencies = []
    try:
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 10)
        for follower in followers:
            response = await client.post(
                "/profiles/alice/follow", headers={"Authorization": f"Token {follower}"}
            )
            answered = time.perf_counter()
            assert response.status_code == 200, response.text
            # The delivery commits inside this call: from its start is an upper bound on commit -> stream.
            started = time.perf_counter() if process is not None else answered
            if process is not None:
                assert await process(100) == 1  # type: ignore[operator]
            for queue in heard:
                received, event = await asyncio.wait_for(queue.get(), 5)
                assert event.event == "notification"
                latencies.append(received - started)
    finally:
        for listener in listeners:
            listener.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
    return latencies
