"""Write use cases answer with views read right after their commit: what a reader sees at that moment."""

import pytest

from application.errors import AlreadyExists
from application.views import AfterCommit, ArticleView
from domain.ids import Slug
from tests.contract.conftest import START, Backend


async def test_views_asked_for_in_a_unit_of_work_show_its_committed_changes(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    article = await backend.article(alice, "Dragons", tags=("dragons",))
    async with backend.new_uow() as uow:
        await uow.articles.favorite(article.id, bob.id, START)
        await uow.users.follow(bob.id, alice.id, START)
        comment = await uow.comments.add(article.id, bob.id, "Nice", START)
        shown_article = uow.views.article(article.slug, bob.id)
        shown_profile = uow.views.profile("ALICE", bob.id)
        shown_comment = uow.views.comment(comment.id, bob.id)
        missing = uow.views.article(Slug("nothing"), bob.id)
        with pytest.raises(RuntimeError):
            _ = shown_article.value  # not before the commit
        await uow.commit()

    assert shown_article.value == await backend.articles.get(article.slug, bob.id)
    assert isinstance(shown_article.value, ArticleView)
    assert (shown_article.value.favorited, shown_article.value.favorites_count) == (True, 1)
    assert shown_article.value.author.following
    assert shown_profile.value == await backend.profiles.get("alice", bob.id)
    assert shown_comment.value == await backend.comments.get(comment.id, bob.id)
    assert shown_comment.value is not None
    assert shown_comment.value.body == "Nice"
    assert missing.value is None


async def test_a_unit_of_work_left_without_commit_answers_nothing(backend: Backend) -> None:
    alice = await backend.user("alice")
    article = await backend.article(alice, "Dragons")
    asked: list[AfterCommit[ArticleView | None]] = []

    async def favorite_then_give_up() -> None:
        async with backend.new_uow() as uow:
            await uow.articles.favorite(article.id, alice.id, START)
            asked.append(uow.views.article(article.slug, alice.id))
            raise AlreadyExists("slug")

    with pytest.raises(AlreadyExists):
        await favorite_then_give_up()
    with pytest.raises(RuntimeError):
        _ = asked[0].value
    view = await backend.articles.get(article.slug, alice.id)
    assert view is not None
    assert (view.favorited, view.favorites_count) == (False, 0)
