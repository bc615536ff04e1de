"""Notifications: an extension of the RealWorld API (the spec's endpoints are unchanged).

They are written by `conduit worker` from the events that API calls record, so they appear a moment after
the action, not within the request that caused it.
"""

from typing import Annotated

from fastapi import APIRouter

from application.notifications import ListNotifications, MarkNotificationsRead
from domain.pagination import DEFAULT_LIMIT, Page
from entrypoints.http.auth import RequiredViewer
from entrypoints.http.deps import provided
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.routes.articles import Limit, Offset
from entrypoints.http.schemas import MarkReadIn, NotificationListOut

router = APIRouter(prefix=f"{API_PREFIX}/notifications", tags=["Notifications"])


@router.get("", summary="Your notifications, newest first, with the unread count")
async def inbox(
    viewer: RequiredViewer,
    list_notifications: Annotated[ListNotifications, provided(lambda c: c.list_notifications)],
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> NotificationListOut:
    return NotificationListOut.of(await list_notifications(viewer.id, Page(limit, offset)))


@router.post("/read", summary="Mark your notifications up to an id as read")
async def mark_read(
    body: MarkReadIn,
    viewer: RequiredViewer,
    mark: Annotated[MarkNotificationsRead, provided(lambda c: c.mark_notifications_read)],
    list_notifications: Annotated[ListNotifications, provided(lambda c: c.list_notifications)],
) -> NotificationListOut:
    await mark(viewer.id, body.up_to)
    return NotificationListOut.of(await list_notifications(viewer.id, Page()))
