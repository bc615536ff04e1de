"""Notifications: what a user is told about activity that concerns them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.ids import CommentId, Slug, UserId


class NotificationKind(StrEnum):
    ARTICLE_PUBLISHED = "articlePublished"  # an author you follow published
    ARTICLE_FAVORITED = "articleFavorited"  # someone favorited your article
    COMMENT_ADDED = "commentAdded"  # someone commented on your article
    USER_FOLLOWED = "userFollowed"  # someone followed you

    @property
    def undoable(self) -> bool:
        """Following and favoriting can be undone and done again at will: a recipient hears of the same
        actor doing it to the same thing once per window, however often it is toggled."""
        return self in (NotificationKind.ARTICLE_FAVORITED, NotificationKind.USER_FOLLOWED)


@dataclass(frozen=True, slots=True)
class NewNotification:
    kind: NotificationKind
    actor_id: UserId
    created_at: datetime
    # Snapshots: the notification still reads right after the article is renamed or deleted.
    article_slug: Slug | None = None
    article_title: str | None = None
    comment_id: CommentId | None = None
