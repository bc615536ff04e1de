"""Response bodies: each shape declared once, as an envelope over the application's views.

The one declaration serves both ends: routes name it as their ``response_model``, so FastAPI documents it
in OpenAPI, and ``Body`` serialises it straight from the views' dataclasses in pydantic's Rust serializer
(no response model is built from the views only to be dumped again). Names are camelCase on the wire,
and times are written as RealWorld clients expect: ISO 8601 in UTC with milliseconds and ``Z``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from fastapi import Response
from pydantic import ConfigDict, TypeAdapter, with_config
from pydantic.alias_generators import to_camel
from pydantic_core import SchemaSerializer, core_schema
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from application.notifications import NotificationView
from application.views import ArticleSummary, ArticleView, CommentView, ProfileView

# Applies to the views inside each envelope too: tag_list -> tagList, favorites_count -> favoritesCount.
_CAMEL = ConfigDict(alias_generator=to_camel, serialize_by_alias=True)


@dataclass(frozen=True, slots=True)
class UserBody:
    """The signed-in user, as the RealWorld API returns them: with their token."""

    email: str
    token: str
    username: str
    bio: str
    image: str  # "" when the user has none


@with_config(_CAMEL)
class UserEnvelope(TypedDict):
    user: UserBody


@with_config(_CAMEL)
class ProfileEnvelope(TypedDict):
    profile: ProfileView


@with_config(_CAMEL)
class ArticleEnvelope(TypedDict):
    article: ArticleView


# Containers are the concrete types the read side returns: pydantic serializes an abstract Sequence
# through a Python function, item by item.
@with_config(_CAMEL)
class ArticleListEnvelope(TypedDict):
    articles: tuple[ArticleSummary, ...]
    articlesCount: int


@with_config(_CAMEL)
class CommentEnvelope(TypedDict):
    comment: CommentView


@with_config(_CAMEL)
class CommentListEnvelope(TypedDict):
    comments: list[CommentView]


class TagListEnvelope(TypedDict):
    tags: list[str]


@with_config(_CAMEL)
class NotificationListEnvelope(TypedDict):
    notifications: tuple[NotificationView, ...]
    notificationsCount: int
    unreadCount: int


# Formatting a time costs more than the rest of its article's serialization, and the same articles are
# rendered again and again (the front page, a popular article): each moment is formatted once.
@lru_cache(maxsize=16_384)
def wire_time(moment: datetime) -> str:
    """``2026-11-26T09:05:03.120Z``."""
    if moment.tzinfo is not UTC:  # the stores hand back UTC already; anything else is converted
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


E = TypeVar("E", bound=Mapping[str, Any])


class Body(Generic[E]):
    """Renders one envelope: its JSON bytes as a response."""

    def __init__(self, envelope: type[E]) -> None:
        schema = TypeAdapter(envelope).core_schema
        self._serializer = SchemaSerializer(_with_wire_times(schema))

    def __call__(self, content: E, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        body = self._serializer.to_json(content, by_alias=True)
        return Response(body, status_code=status, media_type="application/json", headers=headers)


def _with_wire_times(schema: Any) -> Any:
    """``schema`` with every datetime written by ``wire_time``: pydantic's own form has six fractional
    digits, or none at all when they are zero."""
    if isinstance(schema, list):
        return [_with_wire_times(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "datetime":
        written = core_schema.plain_serializer_function_ser_schema(
            wire_time, return_schema=core_schema.str_schema(), when_used="json"
        )
        return {**schema, "serialization": written}
    return {key: _with_wire_times(value) for key, value in schema.items()}


_USER, _PROFILE = Body(UserEnvelope), Body(ProfileEnvelope)
_ARTICLE, _ARTICLES = Body(ArticleEnvelope), Body(ArticleListEnvelope)
_COMMENT, _COMMENTS = Body(CommentEnvelope), Body(CommentListEnvelope)
_TAGS, _NOTIFICATIONS = Body(TagListEnvelope), Body(NotificationListEnvelope)


@with_config(_CAMEL)
class StreamTicketEnvelope(TypedDict):
    ticket: str
    expiresIn: int  # seconds


@with_config(_CAMEL)
class _OneNotification(TypedDict):
    notification: NotificationView


_ONE_NOTIFICATION = SchemaSerializer(_with_wire_times(TypeAdapter(_OneNotification).core_schema))


def notification_json(view: NotificationView) -> bytes:
    """One notification as JSON, exactly as an item of the inbox's list (its envelope peeled off)."""
    body = _ONE_NOTIFICATION.to_json({"notification": view}, by_alias=True)
    return body[len(b'{"notification":') : -1]


# A token is a credential: no cache, shared or private, may keep a response that carries one.
NOT_STORED = {"Cache-Control": "no-store"}


def user(body: UserBody, status: int = 200) -> Response:
    return _USER({"user": body}, status, NOT_STORED)


def profile(view: ProfileView) -> Response:
    return _PROFILE({"profile": view})


def article(view: ArticleView, status: int = 200) -> Response:
    return _ARTICLE({"article": view}, status)


def article_page(views: tuple[ArticleSummary, ...], count: int) -> Response:
    return _ARTICLES({"articles": views, "articlesCount": count})


def comment(view: CommentView) -> Response:
    return _COMMENT({"comment": view})


def comments(views: list[CommentView]) -> Response:
    return _COMMENTS({"comments": views})


def tags(names: list[str]) -> Response:
    return _TAGS({"tags": names})


def notifications(page_views: tuple[NotificationView, ...], count: int, unread: int) -> Response:
    return _NOTIFICATIONS({"notifications": page_views, "notificationsCount": count, "unreadCount": unread})
