"""Domain events: facts other parts of the system react to (notifications, for one).

Use cases record them in the same transaction as the change they describe (a transactional outbox), so a
rolled-back change leaves no event and a committed change always has its event.
"""

from dataclasses import dataclass
from typing import Final

from domain.ids import ArticleId, CommentId, Slug, UserId


@dataclass(frozen=True, slots=True)
class ArticlePublished:
    article_id: ArticleId
    slug: Slug
    title: str
    author_id: UserId


@dataclass(frozen=True, slots=True)
class ArticleFavorited:
    article_id: ArticleId
    slug: Slug
    title: str
    author_id: UserId
    user_id: UserId


@dataclass(frozen=True, slots=True)
class CommentAdded:
    comment_id: CommentId
    article_id: ArticleId
    slug: Slug
    title: str
    article_author_id: UserId
    author_id: UserId


@dataclass(frozen=True, slots=True)
class UserFollowed:
    follower_id: UserId
    followee_id: UserId


DomainEvent = ArticlePublished | ArticleFavorited | CommentAdded | UserFollowed

# Stable names for storage: renaming a class must not orphan the events already recorded under it.
EVENT_TYPES: Final[dict[str, type[DomainEvent]]] = {
    "ArticlePublished": ArticlePublished,
    "ArticleFavorited": ArticleFavorited,
    "CommentAdded": CommentAdded,
    "UserFollowed": UserFollowed,
}
EVENT_NAMES: Final[dict[type[DomainEvent], str]] = {cls: name for name, cls in EVENT_TYPES.items()}
