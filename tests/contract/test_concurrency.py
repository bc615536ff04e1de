"""Requests racing each other: counts stay exact and nothing is lost. On PostgreSQL these run truly
concurrently on separate connections; the in-memory store serialises them, and must agree."""

import asyncio

from application.articles import DeleteArticle, FavoriteArticle, PublishArticle, UnfavoriteArticle
from application.errors import NotFound
from application.profiles import FollowUser
from application.views import ArticleFilter, ArticleView
from domain.ids import Slug
from domain.pagination import Page
from tests.contract.conftest import Backend
from tests.support.fakes import SteppingClock


async def test_fifty_users_favoriting_at_once_count_fifty(backend: Backend) -> None:
    author = await backend.user("author")
    article = await backend.article(author, "Popular")
    fans = [await backend.user(f"fan{i}") for i in range(50)]
    clock = SteppingClock()
    await asyncio.gather(*(FavoriteArticle(backend.new_uow(), clock)(fan.id, article.slug) for fan in fans))
    view = await backend.articles.get(article.slug, None)
    assert view is not None
    assert view.favorites_count == 50


async def test_one_user_favoriting_twenty_times_at_once_counts_once(backend: Backend) -> None:
    author, fan = await backend.user("author"), await backend.user("fan")
    article = await backend.article(author, "Popular")
    clock = SteppingClock()
    await asyncio.gather(
        *(FavoriteArticle(backend.new_uow(), clock)(fan.id, article.slug) for _ in range(20))
    )
    view = await backend.articles.get(article.slug, fan.id)
    assert view is not None
    assert (view.favorites_count, view.favorited) == (1, True)
    assert (await backend.articles.search(ArticleFilter(favorited_by="fan"), Page(), None)).count == 1

    await asyncio.gather(
        *(UnfavoriteArticle(backend.new_uow(), SteppingClock())(fan.id, article.slug) for _ in range(20))
    )
    view = await backend.articles.get(article.slug, fan.id)
    assert view is not None
    assert (view.favorites_count, view.favorited) == (0, False)
    assert (await backend.articles.search(ArticleFilter(favorited_by="fan"), Page(), None)).count == 0


async def test_same_title_at_the_same_moment_gives_distinct_slugs(backend: Backend) -> None:
    author = await backend.user("author")
    clock = SteppingClock()
    published = await asyncio.gather(
        *(
            PublishArticle(backend.new_uow(), clock)(author.id, "Same Title", "d", "b", ["t"])
            for _ in range(6)
        )
    )
    slugs = [article.slug for article in published]
    assert len(set(slugs)) == 6
    assert "same-title" in slugs
    assert all(slug.startswith("same-title") for slug in slugs)
    page = await backend.articles.search(ArticleFilter(tag="t"), Page(), None)
    assert page.count == 6


async def test_following_twenty_times_at_once_follows_once(backend: Backend) -> None:
    star, fan = await backend.user("star"), await backend.user("fan")
    await asyncio.gather(*(FollowUser(backend.new_uow(), SteppingClock())(fan.id, "star") for _ in range(20)))
    profile = await backend.profiles.get("star", fan.id)
    assert profile is not None
    assert profile.following
    await backend.article(star, "News")
    assert (await backend.articles.feed(fan.id, Page())).count == 1


async def test_favorites_racing_a_delete_end_cleanly(backend: Backend) -> None:
    author = await backend.user("author")
    fans = [await backend.user(f"fan{i}") for i in range(10)]
    article = await backend.article(author, "Doomed", tags=("x",))
    clock = SteppingClock()
    outcomes = await asyncio.gather(
        *(FavoriteArticle(backend.new_uow(), clock)(fan.id, article.slug) for fan in fans[:5]),
        DeleteArticle(backend.new_uow(), SteppingClock())(author.id, Slug("doomed")),
        *(FavoriteArticle(backend.new_uow(), clock)(fan.id, article.slug) for fan in fans[5:]),
        return_exceptions=True,
    )
    assert all(outcome is None or isinstance(outcome, ArticleView | NotFound) for outcome in outcomes), (
        outcomes
    )
    assert await backend.articles.get(Slug("doomed"), None) is None
    for fan in fans:
        assert (
            await backend.articles.search(ArticleFilter(favorited_by=fan.username), Page(), None)
        ).count == 0
    assert await backend.tags.in_use() == []


async def test_publishing_and_deleting_with_overlapping_tags_at_once(backend: Backend) -> None:
    author = await backend.user("author")
    clock = SteppingClock()
    tag_sets = [["a", "b", "c"], ["c", "b"], ["b", "a"], ["c"], ["a", "c", "b"]] * 3
    published = await asyncio.gather(
        *(
            PublishArticle(backend.new_uow(), clock)(author.id, f"P{i}", "d", "b", tags)
            for i, tags in enumerate(tag_sets)
        )
    )
    slugs = [article.slug for article in published]
    await asyncio.gather(
        *(DeleteArticle(backend.new_uow(), SteppingClock())(author.id, slug) for slug in slugs[::2])
    )
    remaining = tag_sets[1::2]
    for tag in ("a", "b", "c"):
        page = await backend.articles.search(ArticleFilter(tag=tag), Page(), None)
        assert page.count == sum(tag in tags for tags in remaining) == len(page.articles)
