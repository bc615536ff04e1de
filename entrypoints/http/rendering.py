"""Views straight to JSON bytes, in pydantic's Rust serializer.

The read side already returns typed, ready-to-render views (frozen dataclasses, times preformatted), so
they are serialised as they are: no response model is built from them only to be dumped again. The
schemas in ``schemas.py`` describe these bodies in OpenAPI, and the e2e tests validate rendered bodies
against them.
"""

from typing import Any

from fastapi import Response
from pydantic import ConfigDict, TypeAdapter, with_config
from pydantic.alias_generators import to_camel
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from application.views import ArticleView, CommentView, ProfileView

# Applies to the views inside each envelope too: tag_list -> tagList, favorites_count -> favoritesCount.
_CAMEL = ConfigDict(alias_generator=to_camel, serialize_by_alias=True)


@with_config(_CAMEL)
class _Article(TypedDict):
    article: ArticleView


# The containers are the concrete types the read side returns: pydantic serializes an abstract Sequence
# through a Python function, item by item (a page of 20 articles took 39 us that way, 14.5 us as a tuple).
@with_config(_CAMEL)
class _Articles(TypedDict):
    articles: tuple[ArticleView, ...]
    articlesCount: int


@with_config(_CAMEL)
class _Profile(TypedDict):
    profile: ProfileView


@with_config(_CAMEL)
class _Comment(TypedDict):
    comment: CommentView


@with_config(_CAMEL)
class _Comments(TypedDict):
    comments: list[CommentView]


class _Tags(TypedDict):
    tags: list[str]


_serializers: dict[type, TypeAdapter[Any]] = {
    envelope: TypeAdapter(envelope)
    for envelope in (_Article, _Articles, _Profile, _Comment, _Comments, _Tags)
}
# List items leave the body out (spec 1.1.0).
_NO_BODIES = {"articles": {"__all__": {"body"}}}


def _json(envelope: type, body: Any, status: int = 200, exclude: Any = None) -> Response:
    content = _serializers[envelope].dump_json(body, exclude=exclude)
    return Response(content, status_code=status, media_type="application/json")


def article(view: ArticleView, status: int = 200) -> Response:
    return _json(_Article, {"article": view}, status)


def article_page(views: tuple[ArticleView, ...], count: int) -> Response:
    return _json(_Articles, {"articles": views, "articlesCount": count}, exclude=_NO_BODIES)


def profile(view: ProfileView) -> Response:
    return _json(_Profile, {"profile": view})


def comment(view: CommentView) -> Response:
    return _json(_Comment, {"comment": view})


def comments(views: list[CommentView]) -> Response:
    return _json(_Comments, {"comments": views})


def tags(names: list[str]) -> Response:
    return _json(_Tags, {"tags": names})
