"""The bounded HTTP protocol (entrypoints/bounded_http.py), the uvicorn behaviour it relies on, and the
connection arithmetic (entrypoints/connection_limits.py).

Servers here are real uvicorn servers on a loopback port, in the test's event loop, with a trivial app.
"""

import asyncio
import inspect
import json
import resource
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from entrypoints.bounded_http import LINGER_SECONDS, BoundedHttpToolsProtocol, RequestLimits, protocol_factory
from entrypoints.connection_limits import connection_cap, raise_descriptor_limit
from entrypoints.http.shutdown_notice import ShutdownNotice

LIMITS = RequestLimits(head_timeout_seconds=0.3, max_head_bytes=1024, body_timeout_seconds=0.5)
WAIT = 5.0  # at most, for anything a test waits for


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


@asynccontextmanager
async def serving(
    http: Any = None, *, asgi: Any = app, stop: bool = True, **options: Any
) -> AsyncIterator[Any]:
    """A uvicorn server on a free loopback port, with the bounded protocol unless told otherwise; stopped
    and waited for at the end. Yields its port, or with ``stop=False`` the port, the server and its task,
    for the test to stop."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        asgi,
        http=http or protocol_factory(LIMITS),
        lifespan="off",
        log_config=None,
        log_level="warning",
        **options,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), task
        await asyncio.sleep(0.01)
    port = sock.getsockname()[1]
    try:
        yield port if stop else (port, server, task)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)


async def exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` and read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), WAIT)
    finally:
        writer.close()


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def error_body(response: bytes) -> dict[str, Any]:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"\r\nconnection: close\r\n" in head + b"\r\n", head
    assert b"\r\ncontent-type: application/json\r\n" in head + b"\r\n", head
    found: dict[str, Any] = json.loads(body)
    return found


def request_of(head_bytes: int) -> bytes:
    """A GET whose request line and headers, the blank line included, are exactly ``head_bytes`` long."""
    start, end = b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX-Pad: ", b"\r\n\r\n"
    return start + b"a" * (head_bytes - len(start) - len(end)) + end


# The uvicorn behaviour the subclass relies on. If one of these fails, read bounded_http.py again.


def test_uvicorn_has_the_methods_and_constructor_the_subclass_overrides() -> None:
    overridden = {
        name
        for name, member in vars(BoundedHttpToolsProtocol).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    assert overridden <= set(vars(HttpToolsProtocol)), overridden - set(vars(HttpToolsProtocol))
    assert list(inspect.signature(HttpToolsProtocol.__init__).parameters) == [
        "self",
        "config",
        "server_state",
        "app_state",
        "_loop",
    ]


async def test_uvicorn_builds_each_protocol_from_the_factory_with_the_attributes_read() -> None:
    made: list[BoundedHttpToolsProtocol] = []

    def recording(**keywords: Any) -> BoundedHttpToolsProtocol:
        made.append(protocol_factory(LIMITS)(**keywords))
        return made[-1]

    async with serving(http=recording, limit_concurrency=10) as port:
        response = await exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert status(response) == 200
    [protocol] = made
    assert protocol.limit_concurrency == 10
    assert isinstance(protocol.connections, set)
    assert isinstance(protocol.tasks, set)
    assert protocol.cycle.response_complete
    assert isinstance(protocol.cycle.keep_alive, bool)
    assert isinstance(protocol.server_state.default_headers, list)


async def test_uvicorn_alone_waits_for_a_slow_head_without_end() -> None:
    """When this fails, uvicorn bounds the head itself and bounded_http.py can go."""
    async with serving(http="httptools", timeout_keep_alive=0.1) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(), LIMITS.head_timeout_seconds * 3)
        writer.close()


async def test_uvicorn_alone_waits_for_a_slow_body_without_end() -> None:
    async with serving(http="httptools", timeout_keep_alive=0.1) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(), LIMITS.body_timeout_seconds * 3)
        writer.close()


# What the subclass adds.


async def test_a_head_that_does_not_arrive_in_time_gets_408_whatever_trickles() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = asyncio.get_running_loop().time()
        for piece in (b"GET / HT", b"TP/1.1\r\n", b"Host: t\r\n", b"X-A: 1\r\n"):
            writer.write(piece)
            await asyncio.sleep(LIMITS.head_timeout_seconds / 4)
        response = await asyncio.wait_for(reader.read(), WAIT)
        took = asyncio.get_running_loop().time() - started
        writer.close()
    assert status(response) == 408
    late = "the request line and headers did not arrive within 0.3 s"
    assert error_body(response)["errors"]["body"] == [late]
    assert took < LIMITS.head_timeout_seconds + LINGER_SECONDS + 0.5


async def test_a_body_that_does_not_arrive_in_time_gets_408_whatever_trickles() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n")
        started = asyncio.get_running_loop().time()
        for _ in range(4):
            writer.write(b"x")
            await asyncio.sleep(LIMITS.body_timeout_seconds / 3)
        response = await asyncio.wait_for(reader.read(), WAIT)
        took = asyncio.get_running_loop().time() - started
        writer.close()
    assert status(response) == 408
    assert error_body(response)["errors"]["body"] == ["the request body did not arrive within 0.5 s"]
    assert took < LIMITS.body_timeout_seconds + LINGER_SECONDS + 0.5


async def test_a_body_that_comes_in_pieces_within_its_deadline_is_served() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\n")
        for piece in (b"a", b"b", b"c"):
            await asyncio.sleep(LIMITS.body_timeout_seconds / 5)
            writer.write(piece)
        response = await asyncio.wait_for(reader.read(), WAIT)
        writer.close()
    assert status(response) == 200


async def test_a_slow_body_the_app_answered_without_reading_is_closed_at_its_deadline() -> None:
    async def hasty(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    async with serving(asgi=hasty) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nx")
        response = await asyncio.wait_for(reader.read(), LIMITS.body_timeout_seconds + 1)
        writer.close()
    assert status(response) == 200
    assert response.count(b"HTTP/1.1") == 1  # the answer it had, and then the close


async def test_the_body_deadline_ends_with_the_body_on_a_kept_connection() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(4):  # longer in all than the body's deadline, each request well within both
            await asyncio.sleep(LIMITS.head_timeout_seconds / 2)
            writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab")
            assert status(await asyncio.wait_for(reader.readuntil(b"ok"), WAIT)) == 200
        writer.close()


async def test_a_connection_that_sends_nothing_is_closed_without_an_answer() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), WAIT) == b""
        writer.close()


async def test_the_deadline_is_armed_again_after_a_response_on_a_kept_connection() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        first = await asyncio.wait_for(reader.readuntil(b"ok"), WAIT)
        writer.write(b"GET / HTTP/1.1\r\n")
        second = await asyncio.wait_for(reader.read(), WAIT)
        writer.close()
    assert (status(first), status(second)) == (200, 408)


async def test_a_kept_connection_outlives_the_deadline_while_its_heads_come_in_time() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(6):  # three deadlines' worth
            await asyncio.sleep(LIMITS.head_timeout_seconds / 2)
            writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            assert status(await asyncio.wait_for(reader.readuntil(b"ok"), WAIT)) == 200
        writer.close()


async def test_a_late_pipelined_head_closes_the_connection_after_the_answer_before_it() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Its first bytes came with the request before: they count as that one's, so no 408, only the close.
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\n")
        response = await asyncio.wait_for(reader.read(), WAIT)
        writer.close()
    first, _, second = response.partition(b"ok")
    assert (status(first), second) == (200, b"")


async def test_a_head_of_the_limit_is_served_and_one_byte_more_refused_with_431() -> None:
    async with serving() as port:
        assert status(await exchange(port, request_of(LIMITS.max_head_bytes))) == 200
        refused = await exchange(port, request_of(LIMITS.max_head_bytes + 1))
    assert status(refused) == 431
    assert error_body(refused)["errors"]["body"] == ["the request line and headers exceed 1024 bytes"]


async def test_a_client_still_sending_a_huge_head_reads_its_431() -> None:
    async with serving() as port:
        response = await exchange(port, request_of(1024 * 1024))
    assert status(response) == 431


async def test_a_body_arriving_with_its_head_does_not_count_as_head() -> None:
    body = b"x" * (LIMITS.max_head_bytes * 8)
    head = b"POST / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    async with serving() as port:
        assert status(await exchange(port, head + body)) == 200


async def test_pipelined_requests_are_all_answered() -> None:
    async with serving() as port:
        one = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
        response = await exchange(port, one * 3 + b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert response.count(b"HTTP/1.1 200 OK") == 4


async def test_a_connection_beyond_the_limit_gets_503_and_those_within_are_served() -> None:
    async with serving(limit_concurrency=3) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        refused = await exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        for _, writer in held:
            writer.close()
        await asyncio.sleep(0.1)
        served = await exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert status(refused) == 503
    assert b"\r\nretry-after: 1\r\n" in refused
    assert error_body(refused)["errors"]["body"] == [
        "the server has no room for another connection; retry shortly"
    ]
    assert status(served) == 200


async def test_a_kept_connection_is_served_while_refused_ones_linger_at_the_limit() -> None:
    async with serving(limit_concurrency=3) as port:
        kept = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        refused = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        for _, writer in refused:
            writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        await asyncio.sleep(0.1)  # their refusals are written, and they linger
        reader, writer = kept[0]
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        answer = await asyncio.wait_for(reader.readuntil(b"ok"), WAIT)
        for _, each in kept + refused:
            each.close()
    assert status(answer) == 200


def endless(notice: ShutdownNotice) -> Any:
    """An app whose response, like a notification stream, ends only on the shutdown notice."""

    async def streaming(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await notice.wait()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return streaming


async def open_endless_response(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    await writer.drain()
    assert b"first" in await asyncio.wait_for(reader.readuntil(b"first"), WAIT)
    return reader, writer


async def test_the_shutdown_hook_runs_as_uvicorn_begins_to_stop_so_an_endless_response_ends() -> None:
    notice = ShutdownNotice()
    async with serving(protocol_factory(LIMITS, on_shutdown=notice.give), asgi=endless(notice)) as port:
        reader, writer = await open_endless_response(port)
    # The server has stopped (serving waits for it): the response ended with its last chunk, then closed.
    assert notice.given
    assert (await asyncio.wait_for(reader.read(), WAIT)).endswith(b"0\r\n\r\n")
    writer.close()


async def test_uvicorn_alone_waits_for_an_endless_response_when_it_stops() -> None:
    notice = ShutdownNotice()  # never given: uvicorn's own protocol has no hook
    async with serving(HttpToolsProtocol, asgi=endless(notice), stop=False) as (port, server, task):
        _, writer = await open_endless_response(port)
        server.should_exit = True
        await asyncio.sleep(1.0)
        assert not task.done()  # still waiting for the response
        notice.give()
        await asyncio.wait_for(task, WAIT)
        writer.close()


# The connection arithmetic.


@pytest.mark.parametrize(
    ("configured", "descriptors", "cap"),
    [(4096, 1_048_576, 4096), (4096, 8192, 4096), (4096, 4096, 2048), (4096, 1024, 512), (4096, 3, 2)],
)
def test_connections_get_at_most_half_the_descriptors(configured: int, descriptors: int, cap: int) -> None:
    assert connection_cap(configured, descriptors) == cap


def test_the_soft_descriptor_limit_is_raised_to_the_hard_one() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))
        raised = raise_descriptor_limit()
        assert raised == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if hard != resource.RLIM_INFINITY:
            assert raised == hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
