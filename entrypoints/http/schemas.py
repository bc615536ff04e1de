"""Request bodies, named as the RealWorld spec names them (camelCase on the wire). Response bodies are
declared once, in rendering.py."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError


class _In(BaseModel):
    # Unknown fields are ignored, as the spec's clients expect; types are checked, meaning is the domain's.
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _encodable(cls, value: Any) -> Any:
        """JSON can carry a lone UTF-16 surrogate ("\\ud800"), which no store can hold nor Argon2 hash: it is
        refused here, for every text field of every request body, as a 422 keyed by its field."""
        for text in value if isinstance(value, list) else (value,):
            if isinstance(text, str) and not text.isascii():
                try:
                    text.encode()
                except UnicodeEncodeError:
                    raise PydanticCustomError("unencodable", "must not contain unpaired surrogates") from None
        return value


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


# Comments


class NewCommentFieldsIn(_In):
    body: str


class NewCommentIn(_In):
    comment: NewCommentFieldsIn


# Notifications (an extension of the RealWorld API)


class MarkReadIn(_In):
    up_to: Annotated[
        int, Field(ge=1, le=2**63 - 1, description="Mark every notification with an id up to this")
    ]
