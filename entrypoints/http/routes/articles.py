from typing import Annotated

from fastapi import APIRouter, Query, Response

from application.articles import (
    DeleteArticle,
    EditArticle,
    FavoriteArticle,
    FeedArticles,
    GetArticle,
    ListArticles,
    ListTags,
    PublishArticle,
    UnfavoriteArticle,
)
from application.views import ArticleFilter
from domain.ids import Slug
from domain.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Page
from entrypoints.http import rendering
from entrypoints.http.auth import OptionalViewer, RequiredViewer
from entrypoints.http.deps import provided
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.schemas import (
    ArticleEnvelope,
    ArticleListOut,
    NewArticleIn,
    TagsOut,
    UpdateArticleIn,
)

router = APIRouter(prefix=API_PREFIX, tags=["Articles"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Articles per page")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Articles to skip")]
GetArticleUseCase = Annotated[GetArticle, provided(lambda c: c.get_article)]


@router.get("/tags", response_model=TagsOut, tags=["Tags"], summary="Tags in use, most used first")
async def tags(list_tags: Annotated[ListTags, provided(lambda c: c.list_tags)]) -> Response:
    return rendering.tags(await list_tags())


@router.get("/articles", response_model=ArticleListOut, summary="Recent articles, optionally filtered")
async def list_articles(
    viewer: OptionalViewer,
    search: Annotated[ListArticles, provided(lambda c: c.list_articles)],
    tag: str | None = None,
    author: str | None = None,
    favorited: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    where = ArticleFilter(tag=tag, author=author, favorited_by=favorited)
    page = await search(where, Page(limit, offset), viewer)
    return rendering.article_page(page.articles, page.count)


@router.get(
    "/articles/feed", response_model=ArticleListOut, summary="Recent articles by the authors you follow"
)
async def feed(
    viewer: RequiredViewer,
    feed_articles: Annotated[FeedArticles, provided(lambda c: c.feed_articles)],
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    page = await feed_articles(viewer.id, Page(limit, offset))
    return rendering.article_page(page.articles, page.count)


@router.post("/articles", status_code=201, response_model=ArticleEnvelope, summary="Publish an article")
async def publish(
    body: NewArticleIn,
    viewer: RequiredViewer,
    publish_article: Annotated[PublishArticle, provided(lambda c: c.publish_article)],
    get: GetArticleUseCase,
) -> Response:
    fields = body.article
    slug = await publish_article(viewer.id, fields.title, fields.description, fields.body, fields.tag_list)
    return rendering.article(await get(slug, viewer.id), status=201)


@router.get("/articles/{slug}", response_model=ArticleEnvelope, summary="Get an article")
async def get_article(slug: str, viewer: OptionalViewer, get: GetArticleUseCase) -> Response:
    return rendering.article(await get(Slug(slug), viewer))


@router.put("/articles/{slug}", response_model=ArticleEnvelope, summary="Edit an article (its author only)")
async def edit(
    slug: str,
    body: UpdateArticleIn,
    viewer: RequiredViewer,
    edit_article: Annotated[EditArticle, provided(lambda c: c.edit_article)],
    get: GetArticleUseCase,
) -> Response:
    changes = body.article
    edited = await edit_article(
        viewer.id,
        Slug(slug),
        title=changes.title,
        description=changes.description,
        body=changes.body,
        tags=changes.tag_list,
    )
    return rendering.article(await get(edited, viewer.id))


@router.delete("/articles/{slug}", status_code=204, summary="Delete an article (its author only)")
async def delete(
    slug: str,
    viewer: RequiredViewer,
    delete_article: Annotated[DeleteArticle, provided(lambda c: c.delete_article)],
) -> Response:
    await delete_article(viewer.id, Slug(slug))
    return Response(status_code=204)


@router.post(
    "/articles/{slug}/favorite",
    response_model=ArticleEnvelope,
    tags=["Favorites"],
    summary="Favorite an article",
)
async def favorite(
    slug: str,
    viewer: RequiredViewer,
    favorite_article: Annotated[FavoriteArticle, provided(lambda c: c.favorite_article)],
    get: GetArticleUseCase,
) -> Response:
    await favorite_article(viewer.id, Slug(slug))
    return rendering.article(await get(Slug(slug), viewer.id))


@router.delete(
    "/articles/{slug}/favorite",
    response_model=ArticleEnvelope,
    tags=["Favorites"],
    summary="Unfavorite an article",
)
async def unfavorite(
    slug: str,
    viewer: RequiredViewer,
    unfavorite_article: Annotated[UnfavoriteArticle, provided(lambda c: c.unfavorite_article)],
    get: GetArticleUseCase,
) -> Response:
    await unfavorite_article(viewer.id, Slug(slug))
    return rendering.article(await get(Slug(slug), viewer.id))
