"""Article, tag, favorite and follow behaviour that both adapters must share, reads included."""

import pytest

from application.errors import AlreadyExists, AuthenticationFailed
from application.views import ArticleFilter, ArticleSummary, ArticleView, ProfileView
from domain.articles import NewArticle
from domain.ids import Slug
from domain.pagination import Page
from tests.contract.conftest import START, Backend, minutes, nobody

EVERYTHING = ArticleFilter()


async def test_published_article_reads_back_with_author_and_sorted_tags(backend: Backend) -> None:
    alice = await backend.user("alice")
    stored = await backend.article(alice, "Dragons", tags=("training", "dragons"))
    assert stored.tags == ("dragons", "training")
    view = await backend.articles.get(Slug("dragons"), None)
    assert view == ArticleView(
        Slug("dragons"),
        "Dragons",
        "about",
        ("dragons", "training"),
        START,
        START,
        False,
        0,
        ProfileView("alice", "", "", False),
        "text",
    )
    async with backend.new_uow() as uow:
        found = await uow.articles.get_by_slug(Slug("dragons"))
    assert found is not None
    assert (found.id, found.author_id, found.tags) == (stored.id, alice.id, ("dragons", "training"))
    assert await backend.articles.get(Slug("nothing"), None) is None


async def test_taken_slug_leaves_nothing_and_the_unit_of_work_can_retry(backend: Backend) -> None:
    alice = await backend.user("alice")
    await backend.article(alice, "Same", tags=("a",))
    async with backend.new_uow() as uow:
        with pytest.raises(AlreadyExists) as raised:
            await uow.articles.add(
                NewArticle(Slug("same"), alice.id, "Same", "d", "b", ("a", "b")), minutes(1)
            )
        assert raised.value.field == "slug"
        await uow.articles.add(NewArticle(Slug("same-2"), alice.id, "Same", "d", "b", ("b",)), minutes(1))
        await uow.commit()
    page = await backend.articles.search(EVERYTHING, Page(), None)
    assert [a.slug for a in page.articles] == ["same-2", "same"]
    assert await backend.tags.in_use() == ["a", "b"]


async def test_list_is_newest_first_with_newest_id_breaking_ties_and_has_no_bodies(backend: Backend) -> None:
    alice = await backend.user("alice")
    await backend.article(alice, "First", at=minutes(1))
    await backend.article(alice, "Second", at=minutes(2))
    await backend.article(alice, "Third", at=minutes(2))
    page = await backend.articles.search(EVERYTHING, Page(), None)
    assert [a.slug for a in page.articles] == ["third", "second", "first"]
    assert page.count == 3
    assert all(type(a) is ArticleSummary for a in page.articles)


async def test_limit_offset_and_a_count_of_everything_matching(backend: Backend) -> None:
    alice = await backend.user("alice")
    for n in range(5):
        await backend.article(alice, f"A{n}", at=minutes(n))
    page = await backend.articles.search(EVERYTHING, Page(limit=2, offset=1), None)
    assert [a.slug for a in page.articles] == ["a3", "a2"]
    assert page.count == 5
    past_the_end = await backend.articles.search(EVERYTHING, Page(limit=2, offset=10), None)
    assert past_the_end.articles == ()
    assert past_the_end.count == 5


async def test_empty_store_lists_nothing(backend: Backend) -> None:
    page = await backend.articles.search(EVERYTHING, Page(), None)
    assert (page.articles, page.count) == ((), 0)
    assert await backend.tags.in_use() == []


async def test_filters_by_tag_author_favorited_and_their_combinations(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    a1 = await backend.article(alice, "A1", tags=("x",), at=minutes(1))
    await backend.article(alice, "A2", tags=("y",), at=minutes(2))
    b1 = await backend.article(bob, "B1", tags=("x", "y"), at=minutes(3))
    await backend.favorite(bob, a1)
    await backend.favorite(bob, b1)

    async def slugs(where: ArticleFilter) -> tuple[list[str], int]:
        page = await backend.articles.search(where, Page(), None)
        return [a.slug for a in page.articles], page.count

    assert await slugs(ArticleFilter(tag="x")) == (["b1", "a1"], 2)
    assert await slugs(ArticleFilter(author="ALICE")) == (["a2", "a1"], 2)
    assert await slugs(ArticleFilter(favorited_by="Bob")) == (["b1", "a1"], 2)
    assert await slugs(ArticleFilter(tag="y", author="alice")) == (["a2"], 1)
    assert await slugs(ArticleFilter(tag="x", favorited_by="bob", author="bob")) == (["b1"], 1)
    assert await slugs(ArticleFilter(tag="nope")) == ([], 0)
    assert await slugs(ArticleFilter(author="nobody")) == ([], 0)
    assert await slugs(ArticleFilter(favorited_by="alice")) == ([], 0)
    assert await slugs(ArticleFilter(tag="x", author="nobody")) == ([], 0)


async def test_flags_follow_the_viewer(backend: Backend) -> None:
    alice, bob, carol = await backend.user("alice"), await backend.user("bob"), await backend.user("carol")
    article = await backend.article(alice, "Post")
    await backend.favorite(bob, article)
    await backend.follow(bob, alice)
    for_bob = await backend.articles.get(Slug("post"), bob.id)
    for_carol = await backend.articles.get(Slug("post"), carol.id)
    anonymous = await backend.articles.get(Slug("post"), None)
    assert for_bob is not None
    assert for_carol is not None
    assert anonymous is not None
    assert (for_bob.favorited, for_bob.author.following, for_bob.favorites_count) == (True, True, 1)
    assert (for_carol.favorited, for_carol.author.following, for_carol.favorites_count) == (False, False, 1)
    assert (anonymous.favorited, anonymous.author.following) == (False, False)
    listed = await backend.articles.search(EVERYTHING, Page(), bob.id)
    assert (listed.articles[0].favorited, listed.articles[0].author.following) == (True, True)


async def test_feed_holds_only_followed_authors_newest_first(backend: Backend) -> None:
    alice, bob, carol, reader = [await backend.user(n) for n in ("alice", "bob", "carol", "reader")]
    await backend.article(alice, "A1", at=minutes(1))
    await backend.article(bob, "B1", at=minutes(2))
    await backend.article(carol, "C1", at=minutes(3))
    await backend.article(alice, "A2", at=minutes(4))
    assert (await backend.articles.feed(reader.id, Page())).count == 0
    await backend.follow(reader, alice)
    await backend.follow(reader, bob)
    feed = await backend.articles.feed(reader.id, Page())
    assert [a.slug for a in feed.articles] == ["a2", "b1", "a1"]
    assert feed.count == 3
    assert all(a.author.following for a in feed.articles)
    second_page = await backend.articles.feed(reader.id, Page(limit=2, offset=2))
    assert ([a.slug for a in second_page.articles], second_page.count) == (["a1"], 3)


async def test_favorite_and_follow_are_idempotent(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    article = await backend.article(alice, "Post")
    assert await backend.favorite(bob, article) is True
    assert await backend.favorite(bob, article) is False
    assert await backend.follow(bob, alice) is True
    assert await backend.follow(bob, alice) is False
    view = await backend.articles.get(Slug("post"), bob.id)
    assert view is not None
    assert view.favorites_count == 1
    assert (await backend.articles.search(ArticleFilter(favorited_by="bob"), Page(), None)).count == 1
    async with backend.new_uow() as uow:
        assert await uow.articles.unfavorite(article.id, bob.id) is True
        assert await uow.articles.unfavorite(article.id, bob.id) is False
        assert await uow.users.unfollow(bob.id, alice.id) is True
        assert await uow.users.unfollow(bob.id, alice.id) is False
        await uow.commit()
    view = await backend.articles.get(Slug("post"), bob.id)
    assert view is not None
    assert (view.favorites_count, view.favorited, view.author.following) == (
        0,
        False,
        False,
    )
    assert (await backend.articles.search(ArticleFilter(favorited_by="bob"), Page(), None)).count == 0


async def test_writes_by_a_user_that_is_gone_fail_authentication(backend: Backend) -> None:
    alice = await backend.user("alice")
    article = await backend.article(alice, "Post")
    async with backend.new_uow() as uow:
        with pytest.raises(AuthenticationFailed):
            await uow.articles.favorite(article.id, nobody(), START)
    async with backend.new_uow() as uow:
        with pytest.raises(AuthenticationFailed):
            await uow.users.follow(nobody(), alice.id, START)
    async with backend.new_uow() as uow:
        with pytest.raises(AuthenticationFailed):
            await uow.comments.add(article.id, nobody(), "hi", START)
    async with backend.new_uow() as uow:
        with pytest.raises(AuthenticationFailed):
            await uow.articles.add(NewArticle(Slug("x"), nobody(), "X", "d", "b", ()), START)


async def test_editing_relinks_tags_and_keeps_the_slug(backend: Backend) -> None:
    alice = await backend.user("alice")
    await backend.article(alice, "Other", tags=("keep",))
    await backend.article(alice, "Post", tags=("keep", "drop"))
    async with backend.new_uow() as uow:
        article = await uow.articles.get_by_slug(Slug("post"))
        assert article is not None
        edited = article.edited(
            title="New title", description=None, body="new", tags=("keep", "add"), at=minutes(5)
        )
        await uow.articles.update(edited)
        await uow.commit()
    view = await backend.articles.get(Slug("post"), None)
    assert view is not None
    assert (view.title, view.body, view.description, view.tag_list) == (
        "New title",
        "new",
        "about",
        ("add", "keep"),
    )
    assert (view.created_at, view.updated_at) == (START, minutes(5))
    assert await backend.tags.in_use() == ["keep", "add"]
    tagged = await backend.articles.search(ArticleFilter(tag="drop"), Page(), None)
    assert (tagged.articles, tagged.count) == ((), 0)
    assert (await backend.articles.search(ArticleFilter(tag="keep"), Page(), None)).count == 2


async def test_tags_in_use_most_used_first_then_by_name(backend: Backend) -> None:
    alice = await backend.user("alice")
    await backend.article(alice, "A", tags=("zeta", "beta"))
    await backend.article(alice, "B", tags=("zeta", "alpha"))
    await backend.article(alice, "C", tags=("zeta", "beta", "gamma"))
    assert await backend.tags.in_use() == ["zeta", "beta", "alpha", "gamma"]


async def test_deleting_an_article_takes_its_comments_favorites_and_tags_and_nothing_else(
    backend: Backend,
) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    doomed = await backend.article(alice, "Doomed", tags=("only-here", "shared"), at=minutes(1))
    kept = await backend.article(alice, "Kept", tags=("shared",), at=minutes(2))
    await backend.favorite(bob, doomed)
    await backend.favorite(bob, kept)
    async with backend.new_uow() as uow:
        await uow.comments.add(doomed.id, bob.id, "on doomed", START)
        kept_comment = await uow.comments.add(kept.id, bob.id, "on kept", START)
        await uow.commit()
    async with backend.new_uow() as uow:
        read = await uow.articles.get_by_slug(doomed.slug)
        assert read is not None
        await uow.articles.delete(read.id)
        await uow.commit()
    assert await backend.articles.get(Slug("doomed"), None) is None
    assert await backend.comments.for_article(Slug("doomed"), None) is None
    assert [c.id for c in await backend.comments.for_article(Slug("kept"), None) or []] == [kept_comment.id]
    assert await backend.tags.in_use() == ["shared"]
    favorited = await backend.articles.search(ArticleFilter(favorited_by="bob"), Page(), None)
    assert ([a.slug for a in favorited.articles], favorited.count) == (["kept"], 1)
    by_alice = await backend.articles.search(ArticleFilter(author="alice"), Page(), None)
    assert by_alice.count == 1
    assert (await backend.articles.search(EVERYTHING, Page(), None)).count == 1
    kept_view = await backend.articles.get(Slug("kept"), bob.id)
    assert kept_view is not None
    assert (kept_view.favorites_count, kept_view.favorited) == (1, True)


async def test_profiles_are_found_ignoring_case_with_the_viewers_follow(backend: Backend) -> None:
    alice, bob = await backend.user("Alice"), await backend.user("bob")
    await backend.follow(bob, alice)
    assert await backend.profiles.get("alice", bob.id) == ProfileView("Alice", "", "", True)
    assert await backend.profiles.get("ALICE", None) == ProfileView("Alice", "", "", False)
    assert await backend.profiles.get("nobody", None) is None
