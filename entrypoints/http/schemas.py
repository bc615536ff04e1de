"""Request and response bodies, named as the RealWorld spec names them (camelCase on the wire)."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from application.notifications import NotificationPage, NotificationView
from application.views import ArticlePage, ArticleView, CommentView, ProfileView
from domain.users import User


def _iso_milliseconds(moment: datetime) -> str:
    """2026-11-26T09:05:03.120Z: the precision and the Z the RealWorld clients expect."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


Timestamp = Annotated[datetime, PlainSerializer(_iso_milliseconds, return_type=str)]


class _In(BaseModel):
    # Unknown fields are ignored, as the spec's clients expect; types are checked, meaning is the domain's.
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


# Users


class NewUserIn(_In):
    username: str
    email: str
    password: str


class RegisterIn(_In):
    user: NewUserIn


class CredentialsIn(_In):
    email: str
    password: str


class LoginIn(_In):
    user: CredentialsIn


class UserChangesIn(_In):
    """Every field optional; ``image: null`` or ``""`` removes the image, other nulls change nothing."""

    email: str | None = None
    username: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None


class UpdateUserIn(_In):
    user: UserChangesIn


class UserOut(_Out):
    email: str
    token: str
    username: str
    bio: str
    image: str | None

    @classmethod
    def of(cls, user: User, token: str) -> "UserOut":
        return cls(email=user.email, token=token, username=user.username, bio=user.bio, image=user.image)


class UserEnvelope(_Out):
    user: UserOut


# Profiles


class ProfileOut(_Out):
    username: str
    bio: str
    image: str | None
    following: bool

    @classmethod
    def of(cls, view: ProfileView) -> "ProfileOut":
        return cls(username=view.username, bio=view.bio, image=view.image, following=view.following)


class ProfileEnvelope(_Out):
    profile: ProfileOut


# Articles


class NewArticleFieldsIn(_In):
    title: str
    description: str
    body: str
    tag_list: list[str] | None = None


class NewArticleIn(_In):
    article: NewArticleFieldsIn


class ArticleChangesIn(_In):
    """Every field optional; null changes nothing. ``tagList`` replaces the tags (an extension the
    RealWorld editors use)."""

    title: str | None = None
    description: str | None = None
    body: str | None = None
    tag_list: list[str] | None = None


class UpdateArticleIn(_In):
    article: ArticleChangesIn


class ArticleListItemOut(_Out):
    slug: str
    title: str
    description: str
    tag_list: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    favorited: bool
    favorites_count: int
    author: ProfileOut

    @classmethod
    def of(cls, view: ArticleView) -> "ArticleListItemOut":
        return cls(**_article_fields(view))


class ArticleOut(ArticleListItemOut):
    body: str

    @classmethod
    def of(cls, view: ArticleView) -> "ArticleOut":
        return cls(**_article_fields(view), body=view.body or "")


def _article_fields(view: ArticleView) -> dict[str, object]:
    return {
        "slug": view.slug,
        "title": view.title,
        "description": view.description,
        "tag_list": list(view.tag_list),
        "created_at": view.created_at,
        "updated_at": view.updated_at,
        "favorited": view.favorited,
        "favorites_count": view.favorites_count,
        "author": ProfileOut.of(view.author),
    }


class ArticleEnvelope(_Out):
    article: ArticleOut


class ArticleListOut(_Out):
    articles: list[ArticleListItemOut]
    articles_count: int

    @classmethod
    def of(cls, page: ArticlePage) -> "ArticleListOut":
        return cls(articles=[ArticleListItemOut.of(a) for a in page.articles], articles_count=page.count)


class TagsOut(_Out):
    tags: list[str]


# Comments


class NewCommentFieldsIn(_In):
    body: str


class NewCommentIn(_In):
    comment: NewCommentFieldsIn


class CommentOut(_Out):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    body: str
    author: ProfileOut

    @classmethod
    def of(cls, view: CommentView) -> "CommentOut":
        return cls(
            id=view.id,
            created_at=view.created_at,
            updated_at=view.updated_at,
            body=view.body,
            author=ProfileOut.of(view.author),
        )


class CommentEnvelope(_Out):
    comment: CommentOut


class CommentListOut(_Out):
    comments: list[CommentOut]


# Notifications (an extension of the RealWorld API)


class NotificationArticleOut(_Out):
    slug: str
    title: str


class NotificationCommentOut(_Out):
    id: int


class NotificationOut(_Out):
    id: int
    kind: str
    created_at: Timestamp
    read: bool
    actor: ProfileOut
    article: NotificationArticleOut | None
    comment: NotificationCommentOut | None

    @classmethod
    def of(cls, view: NotificationView) -> "NotificationOut":
        article = None
        if view.article_slug is not None:
            article = NotificationArticleOut(slug=view.article_slug, title=view.article_title or "")
        return cls(
            id=view.id,
            kind=view.kind.value,
            created_at=view.created_at,
            read=view.read,
            actor=ProfileOut.of(view.actor),
            article=article,
            comment=None if view.comment_id is None else NotificationCommentOut(id=view.comment_id),
        )


class NotificationListOut(_Out):
    notifications: list[NotificationOut]
    notifications_count: int
    unread_count: int

    @classmethod
    def of(cls, page: NotificationPage) -> "NotificationListOut":
        return cls(
            notifications=[NotificationOut.of(n) for n in page.notifications],
            notifications_count=page.count,
            unread_count=page.unread,
        )


class MarkReadIn(_In):
    up_to: Annotated[
        int, Field(ge=1, le=2**63 - 1, description="Mark every notification with an id up to this")
    ]
