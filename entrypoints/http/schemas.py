"""Request bodies, named as the RealWorld spec names them (camelCase on the wire). Response bodies are
declared once, in rendering.py.

Each text field's limits are documented from the domain's constants (``_limits``) and checked by the
domain, not here: the domain says what is wrong with a value, in its words, on every entrypoint alike.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from domain import articles, comments, users
from domain.ids import MAX_ID
from domain.text import NOT_BLANK_PATTERN

# JSON Schema counts characters; at most 4 UTF-8 bytes each, this many always fit the byte limit.
PASSWORD_MAX_CHARACTERS = users.PASSWORD_MAX_BYTES // 4


def _limits(
    max_length: int, *, min_length: int = 1, pattern: str | None = NOT_BLANK_PATTERN
) -> dict[str, Any]:
    """``Field`` arguments documenting a text field's limits (no text may contain NUL either, which JSON
    Schema cannot say simply). By default a field may not be blank: it has a character that is not
    whitespace."""
    schema: dict[str, Any] = {"maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    if pattern is not None:
        schema["pattern"] = pattern
    return {"json_schema_extra": schema}


def _tags() -> dict[str, Any]:
    tag = _limits(articles.TAG_MAX_LENGTH)["json_schema_extra"]
    return {"json_schema_extra": {"maxItems": articles.TAGS_MAX_COUNT, "items": {"type": "string", **tag}}}


USERNAME = _limits(users.USERNAME_MAX_LENGTH, pattern=users.USERNAME_PATTERN)
EMAIL = _limits(users.EMAIL_MAX_LENGTH, pattern=users.EMAIL_PATTERN)
PASSWORD = _limits(PASSWORD_MAX_CHARACTERS, min_length=users.PASSWORD_MIN_LENGTH, pattern=None)
BIO = _limits(users.BIO_MAX_LENGTH, min_length=0, pattern=None)
IMAGE = _limits(users.IMAGE_URL_MAX_LENGTH, min_length=0, pattern=None)
TITLE = _limits(articles.TITLE_MAX_LENGTH)
DESCRIPTION = _limits(articles.DESCRIPTION_MAX_LENGTH)
ARTICLE_BODY = _limits(articles.BODY_MAX_LENGTH)
TAGS = _tags()
COMMENT_BODY = _limits(comments.BODY_MAX_LENGTH)


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
    username: str = Field(**USERNAME)
    email: str = Field(**EMAIL)
    password: str = Field(**PASSWORD)


class RegisterIn(_In):
    user: NewUserIn


class CredentialsIn(_In):
    # Any stored email and password may log in: only bounded, as older accounts may predate today's rules.
    email: str = Field(**_limits(users.EMAIL_MAX_LENGTH))
    password: str = Field(**_limits(PASSWORD_MAX_CHARACTERS, pattern=None))


class LoginIn(_In):
    user: CredentialsIn


class UserChangesIn(_In):
    """Every field optional; ``image: null`` or ``""`` removes the image, other nulls change nothing."""

    email: str | None = Field(None, **EMAIL)
    username: str | None = Field(None, **USERNAME)
    password: str | None = Field(None, **PASSWORD)
    bio: str | None = Field(None, **BIO)
    image: str | None = Field(None, description="An absolute http(s) URL", **IMAGE)


class UpdateUserIn(_In):
    user: UserChangesIn


# Articles


class NewArticleFieldsIn(_In):
    title: str = Field(**TITLE)
    description: str = Field(**DESCRIPTION)
    body: str = Field(**ARTICLE_BODY)
    tag_list: list[str] | None = Field(None, **TAGS)


class NewArticleIn(_In):
    article: NewArticleFieldsIn


class ArticleChangesIn(_In):
    """Every field optional; null changes nothing. ``tagList`` replaces the tags (an extension the
    RealWorld editors use)."""

    title: str | None = Field(None, **TITLE)
    description: str | None = Field(None, **DESCRIPTION)
    body: str | None = Field(None, **ARTICLE_BODY)
    tag_list: list[str] | None = Field(None, **TAGS)


class UpdateArticleIn(_In):
    article: ArticleChangesIn


# Comments


class NewCommentFieldsIn(_In):
    body: str = Field(**COMMENT_BODY)


class NewCommentIn(_In):
    comment: NewCommentFieldsIn


# Notifications (an extension of the RealWorld API)


class MarkReadIn(_In):
    up_to: Annotated[int, Field(ge=1, le=MAX_ID, description="Mark every notification with an id up to this")]
