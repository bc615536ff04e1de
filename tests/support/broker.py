"""What the broker tests share: `conduit` commands in processes of their own, and what the stream holds."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable

import nats
import psycopg
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters.nats.stream import DEAD_LETTERS, EVENTS

SECRET = "broker-test-secret-of-32-bytes-or-more"


def conduit(*args: str, env: dict[str, str], capture: bool = False) -> subprocess.Popen[bytes]:
    """`conduit ARGS` in a process of its own, quiet unless something goes wrong (``capture``: its
    standard error kept for the test)."""
    settings = {
        "CONDUIT_LOG_LEVEL": "WARNING",
        "CONDUIT_JWT_SECRET": SECRET,
        "CONDUIT_METRICS_PORT": "0",
        "CONDUIT_WORKER_METRICS_PORT": "0",
        "CONDUIT_CONSUME_METRICS_PORT": "0",
        "CONDUIT_WORKER_POLL_SECONDS": "0.2",
        "CONDUIT_MIGRATE_ON_START": "false",
    }
    script = "from entrypoints.cli.main import main; main()"
    stderr = subprocess.PIPE if capture else None
    return subprocess.Popen(
        [sys.executable, "-c", script, *args], env=os.environ | settings | env, stderr=stderr
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> int:
    process.terminate()
    return process.wait(timeout)


async def message_ids(url: str, stream: str = str(EVENTS.name)) -> list[str]:
    """Every message's Nats-Msg-Id in ``stream``, in stream order (an ordered read of all of it)."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        count = (await js.stream_info(stream)).state.messages
        if count == 0:
            return []
        sub = await js.pull_subscribe(
            "", stream=stream, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=5)
        )
        ids: list[str] = []
        while len(ids) < count:
            for msg in await sub.fetch(min(count - len(ids), 256), timeout=5):
                ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
                await msg.ack()
        return ids
    finally:
        await client.close()


async def dead_letters(url: str) -> int:
    client = await nats.connect(url)
    try:
        return int((await client.jetstream().stream_info(str(DEAD_LETTERS.name))).state.messages)
    finally:
        await client.close()


async def eventually(check: Callable[[], object], within: float, what: str) -> float:
    """Poll ``check`` (sync, or returning an awaitable) until truthy; how long it took."""
    started = time.monotonic()
    while True:
        found = check()
        if asyncio.iscoroutine(found):
            found = await found
        if found:
            return time.monotonic() - started
        assert time.monotonic() - started < within, f"{what} did not happen within {within} s"
        await asyncio.sleep(0.05)


def wait_until_listening(url: str, workers: int = 1, *, exactly: bool = False) -> None:
    """Until ``workers`` `conduit worker`s (``exactly`` that many) wait on the outbox (their LISTEN)."""
    deadline = time.monotonic() + 30
    with psycopg.connect(url, autocommit=True) as conn:
        query = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN%%' AND datname = current_database()"
        )
        while (found := (conn.execute(query).fetchone() or (0,))[0]) < workers or (
            exactly and found != workers
        ):
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)
