from application.views import CommentView, ProfileView
from domain.ids import CommentId, Slug
from tests.contract.conftest import Backend, minutes


async def test_comments_list_newest_first_with_author_profiles(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    article = await backend.article(alice, "Post")
    assert await backend.comments.for_article(Slug("post"), None) == []
    async with backend.new_uow() as uow:
        first = await uow.comments.add(article.id, bob.id, "first", minutes(1))
        second = await uow.comments.add(article.id, alice.id, "second", minutes(2))
        await uow.commit()
    await backend.follow(alice, bob)
    comments = await backend.comments.for_article(Slug("post"), alice.id)
    assert comments == [
        CommentView(second.id, minutes(2), minutes(2), "second", ProfileView("alice", "", "", False)),
        CommentView(first.id, minutes(1), minutes(1), "first", ProfileView("bob", "", "", True)),
    ]
    assert await backend.comments.get(first.id, None) == CommentView(
        first.id, minutes(1), minutes(1), "first", ProfileView("bob", "", "", False)
    )


async def test_unknown_article_or_comment_reads_as_none(backend: Backend) -> None:
    assert await backend.comments.for_article(Slug("nothing"), None) is None
    assert await backend.comments.get(CommentId(12345), None) is None


async def test_comment_round_trip_and_delete(backend: Backend) -> None:
    alice = await backend.user("alice")
    article = await backend.article(alice, "Post")
    async with backend.new_uow() as uow:
        comment = await uow.comments.add(article.id, alice.id, "hello", minutes(1))
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.comments.get(comment.id) == comment
        await uow.comments.delete(comment.id)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.comments.get(comment.id) is None
    assert await backend.comments.for_article(Slug("post"), None) == []
