"""Article use cases: publish, edit, delete, favorite, and the reads that render them."""

from functools import partial

from application.errors import AlreadyExists, NotFound
from application.ports import Clock, UnitOfWork
from application.views import ArticleFilter, ArticlePage, ArticleQueries, ArticleView, TagQueries, shown
from domain import articles
from domain.articles import Article, NewArticle
from domain.errors import Problems
from domain.events import ArticleFavorited, ArticlePublished
from domain.ids import Slug, UserId
from domain.pagination import Page
from domain.text import search_term

# A random suffix makes a collision unlikely; a few attempts make failure practically impossible.
SLUG_ATTEMPTS = 5


class PublishArticle:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self, author: UserId, title: str, description: str, body: str, tags: list[str] | None = None
    ) -> ArticleView:
        problems = Problems()
        new_title = problems.check(articles.title, title)
        new_description = problems.check(articles.description, description)
        new_body = problems.check(articles.body, body)
        new_tags = problems.check(articles.tag_list, tags or [])
        problems.raise_if_any()
        base = articles.slug_for(new_title)
        async with self._uow as uow:
            now = self._clock.now()
            await uow.writes.spend(author, now)
            for attempt in range(SLUG_ATTEMPTS):
                slug = base if attempt == 0 else articles.with_random_suffix(base)
                draft = NewArticle(slug, author, new_title, new_description, new_body, new_tags)
                try:
                    article = await uow.articles.add(draft, now)
                except AlreadyExists:
                    continue
                await uow.outbox.add(ArticlePublished(article.id, article.slug, article.title, author), now)
                published = uow.views.article(article.slug, author)
                await uow.commit()
                return shown(published, "article")
        raise AlreadyExists("slug")


class EditArticle:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self,
        editor: UserId,
        slug: Slug,
        *,
        title: str | None = None,
        description: str | None = None,
        body: str | None = None,
        tags: list[str] | None = None,
    ) -> ArticleView:
        problems = Problems()
        new_title = None if title is None else problems.check(articles.title, title)
        new_description = None if description is None else problems.check(articles.description, description)
        new_body = None if body is None else problems.check(articles.body, body)
        new_tags = None if tags is None else problems.check(articles.tag_list, tags)
        problems.raise_if_any()
        async with self._uow as uow:
            await uow.writes.spend(editor, self._clock.now())
            article = await _existing(uow, slug)
            article.ensure_author(editor)
            edited = article.edited(
                title=new_title,
                description=new_description,
                body=new_body,
                tags=new_tags,
                at=self._clock.now(),
            )
            await uow.articles.update(edited)
            answer = uow.views.article(edited.slug, editor)
            await uow.commit()
        return shown(answer, "article")


class DeleteArticle:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, deleter: UserId, slug: Slug) -> None:
        async with self._uow as uow:
            await uow.writes.spend(deleter, self._clock.now())
            article = await _existing(uow, slug)
            article.ensure_author(deleter)
            await uow.articles.delete(article.id)
            await uow.commit()


class FavoriteArticle:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, user: UserId, slug: Slug) -> ArticleView:
        async with self._uow as uow:
            now = self._clock.now()
            await uow.writes.spend(user, now)
            article = await _existing(uow, slug)
            if await uow.articles.favorite(article.id, user, now):
                favorited = ArticleFavorited(article.id, article.slug, article.title, article.author_id, user)
                await uow.outbox.add(favorited, now)
            answer = uow.views.article(article.slug, user)
            await uow.commit()
        return shown(answer, "article")


class UnfavoriteArticle:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, user: UserId, slug: Slug) -> ArticleView:
        async with self._uow as uow:
            await uow.writes.spend(user, self._clock.now())
            article = await _existing(uow, slug)
            await uow.articles.unfavorite(article.id, user)
            answer = uow.views.article(article.slug, user)
            await uow.commit()
        return shown(answer, "article")


class GetArticle:
    def __init__(self, queries: ArticleQueries) -> None:
        self._queries = queries

    async def __call__(self, slug: Slug, viewer: UserId | None) -> ArticleView:
        article = await self._queries.get(slug, viewer)
        if article is None:
            raise NotFound("article")
        return article


class ListArticles:
    def __init__(self, queries: ArticleQueries) -> None:
        self._queries = queries

    async def __call__(self, where: ArticleFilter, page: Page, viewer: UserId | None) -> ArticlePage:
        problems = Problems()
        tag = problems.check(articles.tag_filter, where.tag)
        author = problems.check(partial(search_term, "author"), where.author)
        favorited_by = problems.check(partial(search_term, "favorited"), where.favorited_by)
        problems.raise_if_any()
        return await self._queries.search(ArticleFilter(tag, author, favorited_by), page, viewer)


class FeedArticles:
    def __init__(self, queries: ArticleQueries) -> None:
        self._queries = queries

    async def __call__(self, viewer: UserId, page: Page) -> ArticlePage:
        return await self._queries.feed(viewer, page)


class ListTags:
    def __init__(self, queries: TagQueries) -> None:
        self._queries = queries

    async def __call__(self) -> list[str]:
        return await self._queries.in_use()


async def _existing(uow: UnitOfWork, slug: Slug) -> Article:
    article = await uow.articles.get_by_slug(slug)
    if article is None:
        raise NotFound("article")
    return article
