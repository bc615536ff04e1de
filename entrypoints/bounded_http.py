"""uvicorn's httptools protocol, with deadlines on each request's head and body and a size limit on its head.

uvicorn closes a keep-alive connection that idles between requests (``timeout_keep_alive``), but with
httptools it waits for a request's head, and then for its body, without end, and buffers a head whatever
its size: a client that sends half a request line (or a Content-Length and a byte a minute) and waits
holds its connection, its file descriptor and an app task for good, and a 32 MiB header is read into
memory and answered. This subclass adds what is missing:

- **A deadline** (``RequestLimits.head_timeout_seconds``) for the head, armed when a connection is made
  and after each response, disarmed when the head is complete. At the deadline the connection closes:
  with ``408`` if part of a request had arrived, silently if nothing had (as uvicorn closes an idle
  keep-alive one). Trickling bytes does not move it.
- **A deadline** (``RequestLimits.body_timeout_seconds``) for the body, from the end of the head to the
  end of the message: at it, ``408`` if the app has not begun its answer (the app, still waiting for the
  body, then hears that the client is gone), else the connection just closes.
- **A size limit** (``RequestLimits.max_head_bytes``) on the request line and headers, counted as the
  bytes arrive, before the parser sees them: over it, ``431``.
- **A JSON refusal** for a connection the worker has no room for (uvicorn's ``limit_concurrency``, which
  uvicorn itself applies only once a request's headers are in): ``503`` at its first bytes.

And **a shutdown hook** (``on_shutdown``): uvicorn asks each connection to shut down as its graceful
shutdown begins, and waits for the responses still running; the hook lets those with no end of their own
(notification streams) end then.

A refusal is Conduit's error envelope with ``Connection: close``. The write side is shut first and what
the client still sends is read and dropped for ``LINGER_SECONDS``, so that a client still sending its
oversized head reads the answer instead of a reset.

Delete when uvicorn's httptools protocol bounds the time of a request's head and body and the size of its
head itself. The uvicorn behaviour this relies on (the names overridden, when uvicorn calls them, the
attributes read) is pinned by tests/unit/test_bounded_http.py.
"""

import asyncio
import functools
import http
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

# Long enough for a refused client to read its answer, short enough that refused connections cannot pile
# up and take the descriptors the cap keeps for everything else.
LINGER_SECONDS = 1.0


@dataclass(frozen=True)
class RequestLimits:
    head_timeout_seconds: float
    max_head_bytes: int
    body_timeout_seconds: float


def _nothing() -> None:
    pass


def protocol_factory(
    limits: RequestLimits, on_shutdown: Callable[[], None] = _nothing
) -> "functools.partial[BoundedHttpToolsProtocol]":
    """What to give uvicorn as ``http``: it calls it as it would a protocol class, with the keywords the
    class takes, once per connection. Workers are spawned, so ``on_shutdown`` travels by name: a function
    of a module, not a bound method or a closure."""
    return functools.partial(BoundedHttpToolsProtocol, limits=limits, on_shutdown=on_shutdown)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    # The methods below run several times per request, so they call uvicorn's directly: on Python 3.11
    # super() builds an object on every call. And the deadline's timer is not cancelled and re-armed per
    # request: it runs on, and when it fires it checks the head being read then, if any.

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: RequestLimits,
        on_shutdown: Callable[[], None],
    ) -> None:
        HttpToolsProtocol.__init__(self, config, server_state, app_state, _loop)
        self._limits, self._on_shutdown = limits, on_shutdown
        # Bytes of the current request's head received so far; None while no head is being read (from
        # its end to the end of its message, when the next one may begin).
        self._head_bytes: int | None = 0
        self._head_since: float | None = None  # when the wait for the current head began
        self._body_since: float | None = None  # when the wait for the current body began
        self._timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._no_room = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        HttpToolsProtocol.connection_made(self, transport)
        # uvicorn's own test, made when its headers are in; here it frees the descriptor sooner.
        limit = self.limit_concurrency
        self._no_room = limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit)
        if self._no_room:
            # Not counted while it lingers: uvicorn would count it against a served connection's next
            # request, and answer that one its plain-text 503.
            self.connections.discard(self)
            self._timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        HttpToolsProtocol.connection_lost(self, exc)

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is None:
            HttpToolsProtocol.data_received(self, data)
            return
        if self._refused:
            return
        if self._no_room:
            self._refuse(503, "the server has no room for another connection; retry shortly")
            return
        room = self._limits.max_head_bytes - self._head_bytes
        if len(data) <= room:
            self._head_bytes += len(data)
            HttpToolsProtocol.data_received(self, data)
            return
        # Only as much as the limit allows goes to the parser: if the head does not end within it, the
        # rest is never buffered.
        self._head_bytes = self._limits.max_head_bytes
        if room:
            HttpToolsProtocol.data_received(self, data[:room])
        if self.transport.is_closing():
            return
        if self._head_bytes is not None:
            self._refuse(431, f"the request line and headers exceed {self._limits.max_head_bytes} bytes")
            return
        HttpToolsProtocol.data_received(self, data[room:])

    def shutdown(self) -> None:
        self._on_shutdown()
        HttpToolsProtocol.shutdown(self)

    def on_headers_complete(self) -> None:
        self._head_bytes = self._head_since = None
        self._body_since = self.loop.time()
        if self._timer is None:
            self._timer = self.loop.call_later(self._limits.body_timeout_seconds, self._check_deadline)
        HttpToolsProtocol.on_headers_complete(self)

    def on_message_complete(self) -> None:
        HttpToolsProtocol.on_message_complete(self)
        self._head_bytes, self._body_since = 0, None

    def on_response_complete(self) -> None:
        HttpToolsProtocol.on_response_complete(self)
        # The next head, or one begun already behind this response, is waited for from now.
        if self._head_bytes is not None and not self.transport.is_closing():
            self._await_head()

    def _await_head(self) -> None:
        self._head_since = self.loop.time()
        if self._timer is None:
            self._timer = self.loop.call_later(self._limits.head_timeout_seconds, self._check_deadline)

    def _check_deadline(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self._head_since is not None:
            left = self._head_since + self._limits.head_timeout_seconds - self.loop.time()
        elif self._body_since is not None:
            left = self._body_since + self._limits.body_timeout_seconds - self.loop.time()
        else:
            return  # nothing awaited: the next wait arms the timer again
        if left > 0:
            self._timer = self.loop.call_later(left, self._check_deadline)
        elif self._head_since is None:
            self._body_late()
        elif self._head_bytes:
            seconds = f"{self._limits.head_timeout_seconds:g}"
            self._refuse(408, f"the request line and headers did not arrive within {seconds} s")
        else:
            self.transport.close()  # nothing of a request came: close as uvicorn closes an idle connection

    def _body_late(self) -> None:
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # answered already (without reading the body): nothing more to say
            return
        seconds = f"{self._limits.body_timeout_seconds:g}"
        self._refuse(408, f"the request body did not arrive within {seconds} s")

    def _refuse(self, status: int, message: str) -> None:
        self._refused = True
        self._head_bytes = 0  # so that what still comes is dropped, whatever the parser was at
        if self._timer is not None:
            self._timer.cancel()
        body = json.dumps({"errors": {"body": [message]}}).encode()
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"connection", b"close"),
        ]
        if status == http.HTTPStatus.SERVICE_UNAVAILABLE:
            headers.append((b"retry-after", b"1"))
        lines = [b"HTTP/1.1 %d %s" % (status, http.HTTPStatus(status).phrase.encode())]
        lines += [name + b": " + value for name, value in headers]
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
