from datetime import datetime

from adapters.memory.store import State
from application.errors import AuthenticationFailed, NotFound
from application.ports import CommentRepository
from domain.comments import Comment
from domain.ids import ArticleId, CommentId, UserId


class InMemoryCommentRepository(CommentRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    async def add(self, article_id: ArticleId, author_id: UserId, body: str, now: datetime) -> Comment:
        if author_id not in self._state.users:
            raise AuthenticationFailed("user no longer exists")
        if article_id not in self._state.articles:
            raise NotFound("article")
        self._state.last_comment_id += 1
        comment = Comment(CommentId(self._state.last_comment_id), article_id, author_id, body, now)
        self._state.comments[comment.id] = comment
        return comment

    async def get(self, comment_id: CommentId) -> Comment | None:
        return self._state.comments.get(comment_id)

    async def delete(self, comment_id: CommentId) -> None:
        self._state.comments.pop(comment_id, None)
