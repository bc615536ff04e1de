"""One client cannot take a real `conduit serve` down: slow heads and bodies are dropped, huge heads
refused, and idle connections neither exhaust the worker's file descriptors nor stop others from being
answered.

Two servers on one database: a strict one (1 s deadlines for a head and a body, room for few connections)
and one with the default limits.
"""

import json
import resource
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from entrypoints import migrations
from tests.support.database import fresh_database
from tests.support.live import start_conduit, wait_until_ready

pytestmark = pytest.mark.postgres

HEAD_TIMEOUT_SECONDS = 1.0
BODY_TIMEOUT_SECONDS = 1.0
STRICT_MAX_CONNECTIONS = 20
MAX_HEADER_BYTES = 16 * 1024  # the default
IDLE_CONNECTIONS = 2000
WAIT = 10.0


@dataclass(frozen=True)
class Served:
    address: tuple[str, int]
    log: Path


@dataclass(frozen=True)
class Servers:
    strict: Served
    default: Served


@pytest.fixture(scope="module")
def servers(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    workdir = tmp_path_factory.mktemp("connections")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(pg_server, "connections"))
        migrations.upgrade(url)
        started = {
            "strict": start_conduit(
                url,
                workdir / "strict",
                CONDUIT_HEADER_TIMEOUT_SECONDS=str(HEAD_TIMEOUT_SECONDS),
                CONDUIT_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT_SECONDS),
                CONDUIT_MAX_CONNECTIONS=str(STRICT_MAX_CONNECTIONS),
            ),
            "default": start_conduit(url, workdir / "default"),
        }
        served = {}
        for name, (server, api, log) in started.items():
            stack.callback(server.wait, timeout=20)
            stack.callback(server.terminate)
            wait_until_ready(api.removesuffix("/api") + "/readyz", server, log)
            served[name] = Served(("127.0.0.1", int(api.split(":")[-1].split("/")[0])), log)
        yield Servers(**served)


def connect(served: Served) -> socket.socket:
    return socket.create_connection(served.address, timeout=WAIT)


def read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def exchange(served: Served, request: bytes) -> bytes:
    with connect(served) as sock:
        sock.sendall(request)
        return read_all(sock)


def status(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:200]
    return int(response.split(b" ", 2)[1])


def refusal(response: bytes) -> list[str]:
    """The sentences of an error answer that also closes the connection."""
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"\r\nconnection: close" in head.lower(), head
    messages: list[str] = json.loads(body)["errors"]["body"]
    return messages


def get(path: str, *headers: bytes) -> bytes:
    lines = [b"GET " + path.encode() + b" HTTP/1.1", b"Host: conduit", b"Connection: close", *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def with_head_of(size: int) -> bytes:
    """A GET /healthz whose request line and headers, the blank line included, are ``size`` bytes."""
    bare = len(get("/healthz", b"X-Pad: "))
    return get("/healthz", b"X-Pad: " + b"a" * (size - bare))


@contextmanager
def descriptors(needed: int) -> Iterator[None]:
    """This process may open ``needed`` more files than it has open now, or the test is skipped."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed + 256
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard limit on open files ({hard}) is below {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_client_that_never_finishes_its_headers_is_dropped_at_the_deadline(servers: Servers) -> None:
    with connect(servers.strict) as slow, connect(servers.strict) as silent:
        started = time.monotonic()
        slow.sendall(b"GET /api/tags HTTP/1.1\r\nHost: conduit\r\nX-Slow: ")
        response = read_all(slow)
        took = time.monotonic() - started
        assert read_all(silent) == b""  # a connection that sent nothing is closed without an answer
    assert status(response) == 408
    assert refusal(response) == ["the request line and headers did not arrive within 1 s"]
    assert HEAD_TIMEOUT_SECONDS * 0.9 < took < HEAD_TIMEOUT_SECONDS + 2


def test_a_client_that_never_finishes_its_body_gets_408_at_the_deadline(servers: Servers) -> None:
    head = b"POST /api/users/login HTTP/1.1\r\nHost: conduit\r\nContent-Type: application/json\r\n"
    with connect(servers.strict) as slow:
        slow.sendall(head + b"Content-Length: 200\r\n\r\n" + b'{"user": {"email": "')
        started = time.monotonic()
        response = read_all(slow)
        took = time.monotonic() - started
    assert status(response) == 408
    assert refusal(response) == ["the request body did not arrive within 1 s"]
    assert BODY_TIMEOUT_SECONDS * 0.9 < took < BODY_TIMEOUT_SECONDS + 2
    # The app, left waiting for the body, heard that the client had gone: no error of its own.
    time.sleep(0.5)
    log = servers.strict.log.read_text()
    assert "Traceback" not in log
    assert "status=5" not in log


def test_a_request_beyond_the_connection_cap_is_refused_with_503(servers: Servers) -> None:
    with ExitStack() as held:
        for _ in range(STRICT_MAX_CONNECTIONS):
            held.enter_context(connect(servers.strict))
        refused = exchange(servers.strict, get("/api/tags"))
    assert status(refused) == 503
    assert refusal(refused) == ["the server has no room for another connection; retry shortly"]
    deadline = time.monotonic() + WAIT
    while status(answer := exchange(servers.strict, get("/api/tags"))) == 503 and time.monotonic() < deadline:
        time.sleep(0.05)  # the worker notices the held connections are gone on its next loop turn
    assert status(answer) == 200


def test_a_normal_request_is_answered_while_2000_idle_connections_are_held(servers: Servers) -> None:
    with descriptors(IDLE_CONNECTIONS), ExitStack() as held:
        idle = [held.enter_context(connect(servers.default)) for _ in range(IDLE_CONNECTIONS)]
        answer = exchange(servers.default, get("/api/tags"))
        idle[0].setblocking(False)
        with pytest.raises(BlockingIOError):
            idle[0].recv(1)  # still open: nothing to read, and no end of stream
    assert status(answer) == 200, answer
    assert json.loads(answer.partition(b"\r\n\r\n")[2]) == {"tags": []}


def test_the_request_line_and_headers_may_take_16_kib_and_no_more(servers: Servers) -> None:
    assert status(exchange(servers.default, with_head_of(MAX_HEADER_BYTES))) == 200
    refused = exchange(servers.default, with_head_of(MAX_HEADER_BYTES + 1))
    assert status(refused) == 431
    assert refusal(refused) == [f"the request line and headers exceed {MAX_HEADER_BYTES} bytes"]


def test_a_1_mib_header_is_refused_with_431(servers: Servers) -> None:
    assert status(exchange(servers.default, with_head_of(1024 * 1024))) == 431
