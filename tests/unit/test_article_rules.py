import re
from datetime import UTC, datetime

import pytest

from domain import articles, comments
from domain.articles import Article
from domain.errors import InvalidValue, NotAuthor
from domain.ids import ArticleId, Slug, UserId
from domain.pagination import MAX_LIMIT, MAX_OFFSET, Page
from domain.users import ensure_can_follow


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("How to train your dragon", "how-to-train-your-dragon"),
        ("  Café crème: how?! ", "café-crème-how"),
        ("C++ & Rust -- a tale_of two", "c-rust-a-tale-of-two"),
        ("日本語のタイトル", "日本語のタイトル"),
        ("\uff26\uff55\uff4c\uff4c", "full"),  # fullwidth letters fold to ASCII under NFKC
        ("!!!", "article"),
        ("x" * 300, "x" * 96),
    ],
)
def test_slugs_are_unicode_aware_lowercase_and_hyphenated(title: str, slug: str) -> None:
    assert articles.slug_for(title) == slug


def test_random_suffix_keeps_the_slug_readable() -> None:
    suffixed = articles.with_random_suffix(Slug("my-title"))
    assert re.fullmatch(r"my-title-[a-z0-9]{6}", suffixed)
    assert suffixed != articles.with_random_suffix(Slug("my-title"))


def test_tags_are_trimmed_lowercased_deduplicated_and_sorted() -> None:
    assert articles.tag_list(["training", " Dragons ", "dragons", "big   cats"]) == (
        "big cats",
        "dragons",
        "training",
    )
    assert articles.tag_list([]) == ()


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ([""], "can't be blank"),
        (["x" * 33], "is too long (maximum is 32 characters)"),
        ([f"t{i}" for i in range(21)], "has too many tags (maximum is 20)"),
        (["nul\x00"], "must not contain NUL characters"),
    ],
)
def test_bad_tags_are_refused(tags: list[str], message: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        articles.tag_list(tags)
    assert (raised.value.field, raised.value.message) == ("tagList", message)


def test_tag_filter_is_normalised_like_tags_and_blank_means_none() -> None:
    assert articles.tag_filter(" Big  Cats ") == "big cats"
    assert articles.tag_filter("") is None
    assert articles.tag_filter(None) is None


@pytest.mark.parametrize(
    ("rule", "field", "limit"),
    [
        (articles.title, "title", articles.TITLE_MAX_LENGTH),
        (articles.description, "description", articles.DESCRIPTION_MAX_LENGTH),
        (articles.body, "body", articles.BODY_MAX_LENGTH),
        (comments.body, "body", comments.BODY_MAX_LENGTH),
    ],
)
def test_article_and_comment_text_must_be_present_and_bounded(rule: object, field: str, limit: int) -> None:
    assert callable(rule)
    assert rule("fine") == "fine"
    for bad in ["", "   ", "x" * (limit + 1)]:
        with pytest.raises(InvalidValue) as raised:
            rule(bad)
        assert raised.value.field == field


def article(author: int = 1) -> Article:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    return Article(ArticleId(1), Slug("t"), UserId(author), "T", "d", "b", ("x",), moment, moment)


def test_only_the_author_may_change_an_article() -> None:
    article().ensure_author(UserId(1))
    with pytest.raises(NotAuthor):
        article().ensure_author(UserId(2))


def test_editing_keeps_the_slug_and_unnamed_fields() -> None:
    later = datetime(2026, 2, 1, tzinfo=UTC)
    edited = article().edited(title="A whole new title", description=None, body="new", tags=None, at=later)
    assert (edited.slug, edited.title, edited.description, edited.body, edited.tags) == (
        "t",
        "A whole new title",
        "d",
        "new",
        ("x",),
    )
    assert (edited.created_at, edited.updated_at) == (article().created_at, later)


def test_pages_are_bounded() -> None:
    assert Page() == Page(20, 0)
    Page(MAX_LIMIT, MAX_OFFSET)
    for limit, offset, field in [
        (0, 0, "limit"),
        (MAX_LIMIT + 1, 0, "limit"),
        (1, -1, "offset"),
        (1, MAX_OFFSET + 1, "offset"),
    ]:
        with pytest.raises(InvalidValue) as raised:
            Page(limit, offset)
        assert raised.value.field == field


def test_nobody_follows_themselves() -> None:
    ensure_can_follow(UserId(1), UserId(2))
    with pytest.raises(InvalidValue):
        ensure_can_follow(UserId(1), UserId(1))
