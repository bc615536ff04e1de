"""Articles: their fields' rules, slugs derived from titles, tags, and who may change them."""

import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from domain.errors import InvalidValue, NotAuthor
from domain.ids import ArticleId, Slug, UserId
from domain.text import checked_text, search_term

TITLE_MAX_LENGTH: Final = 200
DESCRIPTION_MAX_LENGTH: Final = 1_000
BODY_MAX_LENGTH: Final = 100_000
TAG_MAX_LENGTH: Final = 32
TAGS_MAX_COUNT: Final = 20
SLUG_MAX_LENGTH: Final = 96
SUFFIX_LENGTH: Final = 6

_NOT_SLUG_CHARACTERS = re.compile(r"[^\w]+")
_WHITESPACE = re.compile(r"\s+")
_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def title(value: str) -> str:
    return checked_text("title", value.strip(), max_length=TITLE_MAX_LENGTH)


def description(value: str) -> str:
    return checked_text("description", value.strip(), max_length=DESCRIPTION_MAX_LENGTH)


def body(value: str) -> str:
    return checked_text("body", value, max_length=BODY_MAX_LENGTH)


def tag_list(values: list[str]) -> tuple[str, ...]:
    """Trimmed, lowercased, inner whitespace collapsed, duplicates dropped, in tag order."""
    tags = {_tag(value) for value in values}
    if len(tags) > TAGS_MAX_COUNT:
        raise InvalidValue("tagList", f"has too many tags (maximum is {TAGS_MAX_COUNT})")
    return in_tag_order(tags)


def in_tag_order(tags: Iterable[str]) -> tuple[str, ...]:
    """An article's tags in the one order every store and every response uses: by name, code point by code
    point (Python's string order, PostgreSQL's ``COLLATE "C"``), so no database's collation can change it."""
    return tuple(sorted(set(tags)))


def most_used_first(uses: Mapping[str, int]) -> list[str]:
    """Tags by how many articles use them, most first; ties in tag order."""
    return sorted(uses, key=lambda tag: (-uses[tag], tag))


def _tag(value: str) -> str:
    tag = _WHITESPACE.sub(" ", value.strip()).lower()
    return checked_text("tagList", tag, max_length=TAG_MAX_LENGTH)


def tag_filter(value: str | None) -> str | None:
    """A ``?tag=`` value normalised like stored tags, so "Dragons " finds "dragons"."""
    term = search_term("tag", value)
    return None if term is None else _WHITESPACE.sub(" ", term).lower()


def slug_for(article_title: str) -> Slug:
    """A readable URL segment from a title: Unicode letters and digits kept, lowercased, hyphen-separated.

    "Café crème: how?" -> "café-crème-how". A title with no letters or digits gives "article".
    """
    normalized = unicodedata.normalize("NFKC", article_title).lower()
    words = _NOT_SLUG_CHARACTERS.sub("-", normalized).replace("_", "-").strip("-")
    slug = re.sub(r"-{2,}", "-", words)[:SLUG_MAX_LENGTH].strip("-")
    return Slug(slug or "article")


def with_random_suffix(slug: Slug) -> Slug:
    """The same slug made unique by a short random suffix: "my-title" -> "my-title-k3x9qa"."""
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return Slug(f"{slug}-{suffix}")


@dataclass(frozen=True, slots=True)
class NewArticle:
    slug: Slug
    author_id: UserId
    title: str
    description: str
    body: str
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", in_tag_order(self.tags))


@dataclass(frozen=True, slots=True)
class Article:
    id: ArticleId
    slug: Slug
    author_id: UserId
    title: str
    description: str
    body: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", in_tag_order(self.tags))

    def ensure_author(self, user_id: UserId) -> None:
        if user_id != self.author_id:
            raise NotAuthor("only the author may change this article")

    def edited(
        self,
        *,
        title: str | None,
        description: str | None,
        body: str | None,
        tags: tuple[str, ...] | None,
        at: datetime,
    ) -> "Article":
        """The article with the given fields changed. The slug stays: links to an article never break."""
        return replace(
            self,
            title=self.title if title is None else title,
            description=self.description if description is None else description,
            body=self.body if body is None else body,
            tags=self.tags if tags is None else tags,
            updated_at=at,
        )
