"""Comments on articles."""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from domain.errors import NotAuthor
from domain.ids import ArticleId, CommentId, UserId
from domain.text import checked_text

BODY_MAX_LENGTH: Final = 10_000


def body(value: str) -> str:
    return checked_text("body", value, max_length=BODY_MAX_LENGTH)


@dataclass(frozen=True, slots=True)
class Comment:
    id: CommentId
    article_id: ArticleId
    author_id: UserId
    body: str
    created_at: datetime

    def ensure_author(self, user_id: UserId) -> None:
        if user_id != self.author_id:
            raise NotAuthor("only the author may delete this comment")
