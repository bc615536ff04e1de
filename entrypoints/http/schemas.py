"""Request and response bodies, named as the RealWorld spec names them (camelCase on the wire)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from application.notifications import NotificationPage, NotificationView
from application.views import ProfileView
from domain.users import User

# Views carry their times as text already (application.views.Timestamp); this documents the format.
Timestamp = Annotated[
    str, Field(json_schema_extra={"format": "date-time"}, examples=["2026-11-26T09:05:03.120Z"])
]


class _In(BaseModel):
    # Unknown fields are ignored, as the spec's clients expect; types are checked, meaning is the domain's.
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


class _Out(BaseModel):
    # extra="forbid": the e2e tests validate rendered bodies against these, so drift shows up there.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, extra="forbid"
    )


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


class ArticleOut(ArticleListItemOut):
    body: str


class ArticleEnvelope(_Out):
    article: ArticleOut


class ArticleListOut(_Out):
    articles: list[ArticleListItemOut]
    articles_count: int


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
