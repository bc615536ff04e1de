"""The one ASGI middleware of our own: request id, access log and metrics, body limit, NUL guard, HEAD, and
the headers every response carries.

One pure ASGI layer (not BaseHTTPMiddleware, not three layers): each layer costs every request a call and
a wrapped ``send``, and the request path is hot.
"""

import os
import re
import time

import structlog
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.errors import body_error
from entrypoints.logs import REQUEST_ID
from entrypoints.metrics.edge import HttpMetrics

REQUEST_ID_HEADER = b"x-request-id"
# A browser must not guess another type than the one declared (a JSON body sniffed as HTML, say).
NO_SNIFFING = (b"x-content-type-options", b"nosniff")
# A caller's id is reused only if it cannot forge log lines or bloat them.
_SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_METHODS_WITH_BODIES = frozenset({"POST", "PUT", "PATCH"})

access_log = structlog.get_logger("conduit.access")
error_log = structlog.get_logger("conduit.errors")


class EdgeMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, log_requests: bool, metrics: HttpMetrics | None = None
    ) -> None:
        self.app, self.max_body_bytes, self.log_requests = app, max_body_bytes, log_requests
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope["headers"])
        REQUEST_ID.set(request_id)
        metrics = self.metrics
        if metrics is not None:
            metrics.in_flight += 1
        started = time.perf_counter()
        status = 0  # none sent yet
        # HEAD is GET without the body: every GET route answers it, with the headers GET would send.
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        ended = False  # a HEAD's response ends at its first body message (a stream's never would)

        async def send_with_id(message: Message) -> None:
            nonlocal status, ended
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (REQUEST_ID_HEADER, request_id),
                    NO_SNIFFING,
                ]
            elif head and message["type"] == "http.response.body":
                if ended:
                    return
                ended = True
                message = {**message, "body": b"", "more_body": False}
            await send(message)

        try:
            # PostgreSQL text cannot hold NUL: a slug, username or filter with one could never match.
            if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
                await body_error(400, "URLs must not contain NUL characters")(scope, receive, send_with_id)
            elif scope["method"] in _METHODS_WITH_BODIES:
                await self._limited(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # A bug. Answered here, inside this layer, so the 500 carries the request id and headers every
            # response carries; the traceback goes to the log, the client learns nothing about internals.
            error_log.error("unhandled error", method=scope["method"], path=scope["path"], exc_info=exc)
            if status:
                raise  # the response had begun: nothing sensible can follow it
            await body_error(500, "internal server error")(scope, receive, send_with_id)
        finally:
            if metrics is not None:
                metrics.in_flight -= 1
                metrics.observe(
                    "HEAD" if head else scope["method"], scope, status, time.perf_counter() - started
                )
            if self.log_requests:
                access_log.info(
                    "request",
                    method="HEAD" if head else scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bodies over the limit get a 413 in the API's error envelope (FastAPI's own ``max_body_size``
        answers in plain text that no handler can reshape): a declared Content-Length is refused before
        anything is read, a chunked body is counted as it streams."""
        message = f"request body is too large (maximum is {self.max_body_bytes} bytes)"
        declared = _content_length(scope["headers"])
        if declared is not None and declared > self.max_body_bytes:
            await body_error(413, message)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            chunk = await receive()
            if chunk["type"] == "http.request":
                received += len(chunk.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413, message)  # reaches the error handlers mid-read
            return chunk

        await self.app(scope, counting_receive, send)


def _request_id(headers: list[tuple[bytes, bytes]]) -> bytes:
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            if _SAFE_REQUEST_ID.fullmatch(value):
                return value
            break
    return os.urandom(16).hex().encode()


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class CorsMiddleware(CORSMiddleware):
    """Starlette's CORS, with a shortcut for the common case of a request that is not cross-origin (no
    Origin header): such a response only needs ``Vary: Origin``, so caches keep variants apart."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"vary", b"Origin")]
            await send(message)

        await self.app(scope, receive, send_with_vary)
