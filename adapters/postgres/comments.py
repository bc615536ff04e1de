from datetime import datetime

from psycopg import AsyncConnection

from adapters.postgres.errors import translated_errors
from adapters.postgres.pool import execute
from application.ports import CommentRepository
from domain.comments import Comment
from domain.ids import ArticleId, CommentId, UserId

INSERT_COMMENT = """
INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
VALUES (%(article_id)s, %(author_id)s, %(body)s, %(now)s, %(now)s)
RETURNING id
"""

SELECT_COMMENT = "SELECT id, article_id, author_id, body, created_at FROM comments WHERE id = %(id)s"

DELETE_COMMENT = "DELETE FROM comments WHERE id = %(id)s"


class PgCommentRepository(CommentRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, article_id: ArticleId, author_id: UserId, body: str, now: datetime) -> Comment:
        with translated_errors():
            cursor = await execute(
                self._conn,
                INSERT_COMMENT,
                {"article_id": article_id, "author_id": author_id, "body": body, "now": now},
            )
            row = await cursor.fetchone()
        assert row is not None
        return Comment(CommentId(row[0]), article_id, author_id, body, now)

    async def get(self, comment_id: CommentId) -> Comment | None:
        cursor = await execute(self._conn, SELECT_COMMENT, {"id": comment_id})
        row = await cursor.fetchone()
        if row is None:
            return None
        found_id, article_id, author_id, body, created_at = row
        return Comment(CommentId(found_id), ArticleId(article_id), UserId(author_id), body, created_at)

    async def delete(self, comment_id: CommentId) -> None:
        await execute(self._conn, DELETE_COMMENT, {"id": comment_id})
