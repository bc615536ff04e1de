"""The child of `python3 dev.py bench --instructions`: Conduit driven in-process, under callgrind.

Requests go straight into the ASGI application (no sockets, no HTTP parsing), `--concurrency` at a time on
uvloop as under `conduit serve`, so what callgrind counts is the application's own work per request:
FastAPI, Conduit, psycopg and the event loop. PostgreSQL runs in its own processes and is not counted.

Each scenario is warmed up with the instrumentation off, then measured between two markers the parent
acts on (`Handshake`): it switches callgrind's instrumentation on and zeroes the counts, and afterwards
dumps them. Run by the parent only:

    python -m tools.bench.inprocess --database-url URL --handshake DIR --warmup N --requests N \
        --scenarios A,B,...
"""

import argparse
import asyncio
import gc
import json
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import uvloop
from fastapi import FastAPI

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tools.bench import ceiling, fixtures, replay
from tools.bench.scenarios import CEILING, PASSWORD, Scenario, Tokens, conduit_scenarios
from tools.bench.scenarios import ceiling as ceiling_scenario

HANDSHAKE_POLL_SECONDS = 0.05


class Handshake:
    """Marker files in a folder: this side creates `<name>.<step>`, then waits for the parent's reply."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    async def say(self, marker: str, then_wait_for: str) -> None:
        (self._folder / marker).touch()
        # The reply comes from another process, as a file: polling is the only way to hear it.
        while not (self._folder / then_wait_for).exists():  # noqa: ASYNC110
            await asyncio.sleep(HANDSHAKE_POLL_SECONDS)


async def main(args: argparse.Namespace) -> None:
    handshake = Handshake(Path(args.handshake))
    # The pool opens full: grown on demand, its size depends on the scenarios run before, and so did the
    # counts (an article read alone counted 7% more than after the list scenarios, waiting for connections).
    settings = Settings()
    app = create_app(build_container(settings.model_copy(update={"pool_min_size": settings.pool_max_size})))
    async with app.router.lifespan_context(app):
        chosen = fixtures.pick(args.database_url)
        tokens = Tokens(
            reader=await _log_in(app, chosen.reader_email),
            writers=tuple([await _log_in(app, email) for email in chosen.writer_emails]),
        )
        scenarios = conduit_scenarios(chosen, tokens, run_id=args.run_id)
        scenarios[CEILING] = ceiling_scenario()
        for name in args.scenarios.split(","):
            target = ceiling.app if name == CEILING else app
            await _measure(name, target, scenarios[name], args, handshake)


async def _measure(
    name: str, app: FastAPI, scenario: Scenario, args: argparse.Namespace, handshake: Handshake
) -> None:
    stream = replay.requests(scenario)
    await _drive(app, stream, args.warmup, args.concurrency)  # not counted
    # Every scenario starts its count with the collector's generations empty: otherwise a change that
    # allocates less in one scenario moves the next one's collections, and its count, by up to 1%.
    gc.collect()
    await handshake.say(f"{name}.ready", then_wait_for=f"{name}.counting")
    started = time.perf_counter()
    await _drive(app, stream, args.requests, args.concurrency)
    seconds = time.perf_counter() - started
    (Path(args.handshake) / f"{name}.seconds").write_text(f"{seconds}\n")
    await handshake.say(f"{name}.done", then_wait_for=f"{name}.dumped")


async def _drive(app: FastAPI, stream: Iterator[replay.Request], total: int, concurrency: int) -> None:
    left = total

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            status, body = await _call(app, next(stream))
            if status >= 400:
                raise SystemExit(f"status {status}: {body[:300]!r}")

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def _log_in(app: FastAPI, email: str) -> str:
    body = json.dumps({"user": {"email": email, "password": PASSWORD}}).encode()
    status, answer = await _call(app, replay.Request("POST", "/api/users/login", "", None, body))
    if status != 200:
        raise SystemExit(f"logging in {email}: status {status}: {answer[:300]!r}")
    return str(json.loads(answer)["user"]["token"])


async def _call(app: FastAPI, request: replay.Request) -> tuple[int, bytes]:
    """One request through the ASGI interface, as uvicorn would make it; its status and body."""
    headers = [(b"host", b"127.0.0.1"), (b"content-length", str(len(request.body)).encode())]
    if request.body:
        headers.append((b"content-type", b"application/json"))
    if request.token:
        headers.append((b"authorization", f"Token {request.token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote(request.path),
        "raw_path": request.path.encode(),
        "query_string": request.query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    body_sent = False
    disconnected = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    status, chunks = 0, []

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    disconnected.set()
    return status, b"".join(chunks)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.inprocess")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--handshake", required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--run-id", required=True)
    return parser.parse_args()


if __name__ == "__main__":
    uvloop.run(main(_arguments()))
