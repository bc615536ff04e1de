"""Notifications: an extension of the RealWorld API (the spec's endpoints are unchanged).

They are written by `conduit worker` from the events that API calls record, so they appear a moment after
the action, not within the request that caused it.
"""

from fastapi import Request, Response

from application.notifications import NotificationPage
from domain.pagination import Page
from entrypoints.http import rendering
from entrypoints.http.deps import conduit, viewer
from entrypoints.http.openapi import TOKEN
from entrypoints.http.query import PageQuery, documented, read_query
from entrypoints.http.rendering import NotificationListEnvelope
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.routing import Routes
from entrypoints.http.schemas import MarkReadIn

routes = Routes(prefix=f"{API_PREFIX}/notifications", tags=["Notifications"])


@routes.get(
    "",
    response_model=NotificationListEnvelope,
    openapi_extra=TOKEN | documented(PageQuery),
    summary="Your notifications, newest first, with the unread count",
)
async def inbox(request: Request) -> Response:
    query = read_query(PageQuery, request)
    return _rendered(await conduit(request).list_notifications()((await viewer(request)).id, query.page))


@routes.post(
    "/read",
    response_model=NotificationListEnvelope,
    openapi_extra=TOKEN,
    summary="Mark your notifications up to an id as read",
)
async def mark_read(body: MarkReadIn, request: Request) -> Response:
    caller, use = await viewer(request), conduit(request)
    await use.mark_notifications_read()(caller.id, body.up_to)
    return _rendered(await use.list_notifications()(caller.id, Page()))


def _rendered(page: NotificationPage) -> Response:
    return rendering.notifications(page.notifications, page.count, page.unread)
