from fastapi import Request, Response
from pydantic import Field

from application.views import ArticleFilter
from domain.ids import Slug
from domain.text import SEARCH_TERM_MAX_LENGTH
from entrypoints.http import rendering
from entrypoints.http.deps import conduit, viewer, viewer_id
from entrypoints.http.openapi import TOKEN, TOKEN_OPTIONAL, may_answer
from entrypoints.http.query import PageQuery, documented, read_query
from entrypoints.http.rendering import ArticleEnvelope, ArticleListEnvelope, TagListEnvelope
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.routing import Routes
from entrypoints.http.schemas import NewArticleIn, UpdateArticleIn

routes = Routes(prefix=API_PREFIX, tags=["Articles"])


_TERM = Field(None, json_schema_extra={"maxLength": SEARCH_TERM_MAX_LENGTH})


class ArticleListQuery(PageQuery):
    tag: str | None = _TERM
    author: str | None = _TERM
    favorited: str | None = _TERM


@routes.get(
    "/articles",
    response_model=ArticleListEnvelope,
    openapi_extra=TOKEN_OPTIONAL | documented(ArticleListQuery),
    summary="Recent articles, optionally filtered",
)
async def list_articles(request: Request) -> Response:
    query = read_query(ArticleListQuery, request)
    where = ArticleFilter(tag=query.tag, author=query.author, favorited_by=query.favorited)
    page = await conduit(request).list_articles()(where, query.page, await viewer_id(request))
    return rendering.article_page(page.articles, page.count)


@routes.get(
    "/articles/feed",
    response_model=ArticleListEnvelope,
    openapi_extra=TOKEN | documented(PageQuery),
    summary="Recent articles by the authors you follow",
)
async def feed(request: Request) -> Response:
    query = read_query(PageQuery, request)
    page = await conduit(request).feed_articles()((await viewer(request)).id, query.page)
    return rendering.article_page(page.articles, page.count)


@routes.get(
    "/articles/{slug}",
    response_model=ArticleEnvelope,
    openapi_extra=TOKEN_OPTIONAL,
    responses=may_answer(404),
    summary="Get an article",
)
async def get_article(slug: str, request: Request) -> Response:
    return rendering.article(await conduit(request).get_article()(Slug(slug), await viewer_id(request)))


@routes.get("/tags", response_model=TagListEnvelope, tags=["Tags"], summary="Tags in use, most used first")
async def tags(request: Request) -> Response:
    return rendering.tags(await conduit(request).list_tags()())


@routes.post(
    "/articles",
    status_code=201,
    response_model=ArticleEnvelope,
    openapi_extra=TOKEN,
    responses=may_answer(429),
    summary="Publish an article",
)
async def publish(body: NewArticleIn, request: Request) -> Response:
    caller, use, fields = await viewer(request), conduit(request), body.article
    published = await use.publish_article()(
        caller.id, fields.title, fields.description, fields.body, fields.tag_list
    )
    return rendering.article(published, status=201)


@routes.put(
    "/articles/{slug}",
    response_model=ArticleEnvelope,
    openapi_extra=TOKEN,
    responses=may_answer(403, 404, 429),
    summary="Edit an article (its author only)",
)
async def edit(slug: str, body: UpdateArticleIn, request: Request) -> Response:
    caller, use, changes = await viewer(request), conduit(request), body.article
    edited = await use.edit_article()(
        caller.id,
        Slug(slug),
        title=changes.title,
        description=changes.description,
        body=changes.body,
        tags=changes.tag_list,
    )
    return rendering.article(edited)


@routes.delete(
    "/articles/{slug}",
    status_code=204,
    openapi_extra=TOKEN,
    responses=may_answer(403, 404, 429),
    summary="Delete an article (its author only)",
)
async def delete(slug: str, request: Request) -> Response:
    await conduit(request).delete_article()((await viewer(request)).id, Slug(slug))
    return Response(status_code=204)


@routes.post(
    "/articles/{slug}/favorite",
    response_model=ArticleEnvelope,
    openapi_extra=TOKEN,
    tags=["Favorites"],
    responses=may_answer(404, 429),
    summary="Favorite an article",
)
async def favorite(slug: str, request: Request) -> Response:
    caller, use = await viewer(request), conduit(request)
    return rendering.article(await use.favorite_article()(caller.id, Slug(slug)))


@routes.delete(
    "/articles/{slug}/favorite",
    response_model=ArticleEnvelope,
    openapi_extra=TOKEN,
    tags=["Favorites"],
    responses=may_answer(404, 429),
    summary="Unfavorite an article",
)
async def unfavorite(slug: str, request: Request) -> Response:
    caller, use = await viewer(request), conduit(request)
    return rendering.article(await use.unfavorite_article()(caller.id, Slug(slug)))
