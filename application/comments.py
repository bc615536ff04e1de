"""Comments on articles."""

from application.errors import NotFound
from application.ports import Clock, UnitOfWork
from application.views import CommentQueries, CommentView, shown
from domain import comments
from domain.events import CommentAdded
from domain.ids import CommentId, Slug, UserId


class AddComment:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, author: UserId, slug: Slug, body: str) -> CommentView:
        text = comments.body(body)
        async with self._uow as uow:
            now = self._clock.now()
            await uow.writes.spend(author, now)
            article = await uow.articles.get_by_slug(slug)
            if article is None:
                raise NotFound("article")
            comment = await uow.comments.add(article.id, author, text, now)
            added = CommentAdded(
                comment.id, article.id, article.slug, article.title, article.author_id, author
            )
            await uow.outbox.add(added, now)
            answer = uow.views.comment(comment.id, author)
            await uow.commit()
        return shown(answer, "comment")


class DeleteComment:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, deleter: UserId, slug: Slug, comment_id: CommentId) -> None:
        async with self._uow as uow:
            await uow.writes.spend(deleter, self._clock.now())
            article = await uow.articles.get_by_slug(slug)
            if article is None:
                raise NotFound("article")
            comment = await uow.comments.get(comment_id)
            if comment is None or comment.article_id != article.id:
                raise NotFound("comment")
            comment.ensure_author(deleter)
            await uow.comments.delete(comment.id)
            await uow.commit()


class ListComments:
    def __init__(self, queries: CommentQueries) -> None:
        self._queries = queries

    async def __call__(self, slug: Slug, viewer: UserId | None) -> list[CommentView]:
        found = await self._queries.for_article(slug, viewer)
        if found is None:
            raise NotFound("article")
        return found
