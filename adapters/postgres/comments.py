"""Comments, inside a unit of work."""

from datetime import datetime

from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from application.ports import CommentRepository
from domain.comments import Comment
from domain.ids import ArticleId, CommentId, UserId

INSERT_COMMENT = Statement(
    """
    INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
    VALUES (%(article_id)s, %(author_id)s, %(body)s, %(now)s, %(now)s)
    RETURNING id, article_id, author_id, body, created_at
    """,
    Comment,
)

SELECT_COMMENT = Statement(
    "SELECT id, article_id, author_id, body, created_at FROM comments WHERE id = %(id)s", Comment
)

DELETE_COMMENT = Statement("DELETE FROM comments WHERE id = %(id)s")


class PgCommentRepository(CommentRepository):
    def __init__(self, transaction: PipelinedTransaction) -> None:
        self._transaction = transaction

    async def add(self, article_id: ArticleId, author_id: UserId, body: str, now: datetime) -> Comment:
        params = {"article_id": article_id, "author_id": author_id, "body": body, "now": now}
        added = await self._transaction.one(INSERT_COMMENT, params)
        assert added is not None
        return added

    async def get(self, comment_id: CommentId) -> Comment | None:
        return await self._transaction.one(SELECT_COMMENT, {"id": comment_id})

    async def delete(self, comment_id: CommentId) -> None:
        await self._transaction.send(DELETE_COMMENT, {"id": comment_id})
