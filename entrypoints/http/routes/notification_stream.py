"""Live notifications as Server-Sent Events (an extension of the RealWorld API, like the inbox).

``GET /api/notifications/stream`` sends each new notification as ``event: notification``, ``id:`` its id
and ``data:`` the same JSON object as an item of ``GET /api/notifications``; a ``: keep-alive`` comment
when the stream opens and after each quiet ``CONDUIT_STREAM_HEARTBEAT_SECONDS``. It authenticates with
the Authorization header, or, for a browser's EventSource, which cannot send one, with ``?ticket=`` from
``POST /api/notifications/stream-ticket``; never with the API token in the URL, where logs keep it.
"""

from typing import Annotated

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field

from application.errors import AuthenticationFailed
from application.live_notifications import NotificationStream, StreamGrant
from application.stream_tickets import grant_of
from domain.ids import MAX_ID
from entrypoints.http.deps import bearer_token, conduit, viewer
from entrypoints.http.event_stream import EventStream
from entrypoints.http.openapi import STREAM_AUTH, TOKEN, may_answer
from entrypoints.http.query import QueryModel, documented, read_query
from entrypoints.http.rendering import NOT_STORED, Body, StreamTicketEnvelope
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.routing import Routes

routes = Routes(prefix=f"{API_PREFIX}/notifications", tags=["Notifications"])
LAST_EVENT_ID = "Last-Event-ID"
TICKET = "ticket"
_TICKET = Body(StreamTicketEnvelope)


class StreamQuery(QueryModel):
    ticket: Annotated[
        str | None, Field(None, max_length=4096, description="A ticket from POST /stream-ticket")
    ]
    lastEventId: Annotated[  # the query parameter's name, camelCase as the API's JSON
        int | None,
        Field(None, ge=0, le=MAX_ID, description="Resume after this notification id (the first connection)"),
    ]


_HEADER = {
    "name": LAST_EVENT_ID,
    "in": "header",
    "required": False,
    "description": "Resume after this notification id; sent by EventSource when it reconnects",
    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
}
_STREAMED = {
    200: {
        "description": "Server-Sent Events: `event: notification`, `id:` the notification's id, `data:` "
        "the notification as in the inbox; `: keep-alive` comments between them",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@routes.get(
    "/stream",
    response_class=EventStream,
    status_code=200,
    response_model=None,
    openapi_extra=STREAM_AUTH | {"parameters": [*documented(StreamQuery)["parameters"], _HEADER]},
    responses=_STREAMED | may_answer(429),
    summary="Your new notifications as they arrive (Server-Sent Events)",
)
async def stream(request: Request) -> Response:
    live = conduit(request).live
    if TICKET in request.query_params:
        # The parameters before the ticket: a ticket opens one stream, and a typo must not spend it.
        query, after = _parameters(request)
        grant: StreamGrant = await live.redeem_ticket()(query.ticket or "")
    else:
        # The token before the parameters, as on every authenticated route: the anonymous learn nothing.
        token = bearer_token(request)
        if token is None:
            raise AuthenticationFailed("authentication required (the Authorization header, or ?ticket=)")
        grant = await grant_of(conduit(request).authenticate(), token)
        query, after = _parameters(request)
    opened: NotificationStream = live.open_stream()(grant, after)
    return await EventStream.opened(opened, NOT_STORED, request.app.state.shutdown)


@routes.post(
    "/stream-ticket",
    response_model=StreamTicketEnvelope,
    openapi_extra=TOKEN,
    summary="A ticket that opens one notification stream within 30 s (for EventSource)",
)
async def stream_ticket(request: Request) -> Response:
    caller = await viewer(request)
    ticket = await conduit(request).live.issue_ticket()(caller.token)
    return _TICKET({"ticket": ticket.value, "expiresIn": ticket.expires_in}, 200, NOT_STORED)


def _parameters(request: Request) -> tuple[StreamQuery, int | None]:
    query = read_query(StreamQuery, request)
    return query, _last_event_id(request, query.lastEventId)


def _last_event_id(request: Request, from_query: int | None) -> int | None:
    """The header (EventSource's, on a reconnection) before the query parameter (the first connection)."""
    header = request.headers.get(LAST_EVENT_ID)
    if header is None or not header.strip():
        return from_query
    value = header.strip()
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    error = {"type": "int_parsing", "loc": ("header", LAST_EVENT_ID), "msg": "must be an integer"}
    raise RequestValidationError([{**error, "input": value}])
