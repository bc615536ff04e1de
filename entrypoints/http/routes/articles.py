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
from entrypoints.http.auth import OptionalViewer, RequiredViewer
from entrypoints.http.deps import provided
from entrypoints.http.schemas import (
    ArticleEnvelope,
    ArticleListOut,
    ArticleOut,
    NewArticleIn,
    TagsOut,
    UpdateArticleIn,
)

router = APIRouter(tags=["Articles"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Articles per page")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Articles to skip")]
GetArticleUseCase = Annotated[GetArticle, provided(lambda c: c.get_article)]


@router.get("/articles", summary="Recent articles, optionally filtered")
async def list_articles(
    viewer: OptionalViewer,
    search: Annotated[ListArticles, provided(lambda c: c.list_articles)],
    tag: str | None = None,
    author: str | None = None,
    favorited: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> ArticleListOut:
    where = ArticleFilter(tag=tag, author=author, favorited_by=favorited)
    return ArticleListOut.of(await search(where, Page(limit, offset), viewer))


@router.get("/articles/feed", summary="Recent articles by the authors you follow")
async def feed(
    viewer: RequiredViewer,
    feed_articles: Annotated[FeedArticles, provided(lambda c: c.feed_articles)],
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> ArticleListOut:
    return ArticleListOut.of(await feed_articles(viewer.id, Page(limit, offset)))


@router.post("/articles", status_code=201, summary="Publish an article")
async def publish(
    body: NewArticleIn,
    viewer: RequiredViewer,
    publish_article: Annotated[PublishArticle, provided(lambda c: c.publish_article)],
    get: GetArticleUseCase,
) -> ArticleEnvelope:
    fields = body.article
    slug = await publish_article(viewer.id, fields.title, fields.description, fields.body, fields.tag_list)
    return ArticleEnvelope(article=ArticleOut.of(await get(slug, viewer.id)))


@router.get("/articles/{slug}", summary="Get an article")
async def get_article(slug: str, viewer: OptionalViewer, get: GetArticleUseCase) -> ArticleEnvelope:
    return ArticleEnvelope(article=ArticleOut.of(await get(Slug(slug), viewer)))


@router.put("/articles/{slug}", summary="Edit an article (its author only)")
async def edit(
    slug: str,
    body: UpdateArticleIn,
    viewer: RequiredViewer,
    edit_article: Annotated[EditArticle, provided(lambda c: c.edit_article)],
    get: GetArticleUseCase,
) -> ArticleEnvelope:
    changes = body.article
    edited = await edit_article(
        viewer.id,
        Slug(slug),
        title=changes.title,
        description=changes.description,
        body=changes.body,
        tags=changes.tag_list,
    )
    return ArticleEnvelope(article=ArticleOut.of(await get(edited, viewer.id)))


@router.delete("/articles/{slug}", status_code=204, summary="Delete an article (its author only)")
async def delete(
    slug: str,
    viewer: RequiredViewer,
    delete_article: Annotated[DeleteArticle, provided(lambda c: c.delete_article)],
) -> Response:
    await delete_article(viewer.id, Slug(slug))
    return Response(status_code=204)


@router.post("/articles/{slug}/favorite", tags=["Favorites"], summary="Favorite an article")
async def favorite(
    slug: str,
    viewer: RequiredViewer,
    favorite_article: Annotated[FavoriteArticle, provided(lambda c: c.favorite_article)],
    get: GetArticleUseCase,
) -> ArticleEnvelope:
    await favorite_article(viewer.id, Slug(slug))
    return ArticleEnvelope(article=ArticleOut.of(await get(Slug(slug), viewer.id)))


@router.delete("/articles/{slug}/favorite", tags=["Favorites"], summary="Unfavorite an article")
async def unfavorite(
    slug: str,
    viewer: RequiredViewer,
    unfavorite_article: Annotated[UnfavoriteArticle, provided(lambda c: c.unfavorite_article)],
    get: GetArticleUseCase,
) -> ArticleEnvelope:
    await unfavorite_article(viewer.id, Slug(slug))
    return ArticleEnvelope(article=ArticleOut.of(await get(Slug(slug), viewer.id)))


@router.get("/tags", tags=["Tags"], summary="Tags in use, most used first")
async def tags(list_tags: Annotated[ListTags, provided(lambda c: c.list_tags)]) -> TagsOut:
    return TagsOut(tags=await list_tags())
