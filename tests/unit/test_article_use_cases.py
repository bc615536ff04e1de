"""Article, comment and profile use cases on the in-memory adapters."""

import pytest

from adapters.memory.queries import InMemoryArticleQueries, InMemoryCommentQueries, InMemoryProfileQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from application.articles import (
    DeleteArticle,
    EditArticle,
    FavoriteArticle,
    GetArticle,
    ListArticles,
    PublishArticle,
    UnfavoriteArticle,
)
from application.comments import AddComment, DeleteComment, ListComments
from application.errors import NotFound
from application.profiles import FollowUser, GetProfile, UnfollowUser
from application.views import ArticleFilter
from domain.errors import InvalidInput, NotAuthor
from domain.ids import CommentId, Slug, UserId
from domain.pagination import Page
from domain.users import FIRST_SECURITY_STAMP, NewUser, PasswordHash
from tests.support.fakes import SteppingClock


@pytest.fixture
async def people(store: InMemoryStore) -> tuple[UserId, UserId]:
    async with InMemoryUnitOfWork(store) as uow:
        alice = await uow.users.add(
            NewUser("alice", "alice@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), SteppingClock().now()
        )
        bob = await uow.users.add(
            NewUser("bob", "bob@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), SteppingClock().now()
        )
        await uow.commit()
    return alice.id, bob.id


def publish(store: InMemoryStore, clock: SteppingClock) -> PublishArticle:
    return PublishArticle(InMemoryUnitOfWork(store), clock)


async def test_publish_derives_the_slug_and_normalises_tags(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, _ = people
    published = await publish(store, clock)(
        alice, "How to Train", "d", "b", ["Training", "dragons", "training"]
    )
    view = await GetArticle(InMemoryArticleQueries(store))(published.slug, None)
    assert (view.slug, view.tag_list) == ("how-to-train", ("dragons", "training"))
    # The answer is the article as a reader sees it right after the commit.
    assert published == view


async def test_same_title_again_gets_a_suffixed_slug(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, bob = people
    first = (await publish(store, clock)(alice, "Hello", "d", "b")).slug
    second = (await publish(store, clock)(bob, "Hello", "d", "b")).slug
    assert first == "hello"
    assert second.startswith("hello-")
    assert len(second) == len("hello-") + 6


async def test_publish_reports_every_invalid_field(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await publish(store, clock)(people[0], "", " ", "", ["x" * 40])
    assert set(raised.value.problems) == {"title", "description", "body", "tagList"}
    assert store.state.articles == {}


async def test_only_the_author_may_edit_or_delete(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, bob = people
    slug = (await publish(store, clock)(alice, "Mine", "d", "b")).slug
    with pytest.raises(NotAuthor):
        await EditArticle(InMemoryUnitOfWork(store), clock)(bob, slug, body="hijacked")
    with pytest.raises(NotAuthor):
        await DeleteArticle(InMemoryUnitOfWork(store), SteppingClock())(bob, slug)
    view = await GetArticle(InMemoryArticleQueries(store))(slug, None)
    assert view.body == "b"


async def test_changing_the_title_keeps_the_slug(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, _ = people
    slug = (await publish(store, clock)(alice, "Old title", "d", "b", ["x"])).slug
    edited = await EditArticle(InMemoryUnitOfWork(store), clock)(alice, slug, title="New title", tags=["y"])
    view = await GetArticle(InMemoryArticleQueries(store))(edited.slug, None)
    assert (edited.slug, view.title, view.tag_list) == ("old-title", "New title", ("y",))
    assert edited == view
    assert view.updated_at > view.created_at


async def test_unknown_slugs_are_not_found(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, _ = people
    nowhere = Slug("nowhere")
    for attempt in [
        EditArticle(InMemoryUnitOfWork(store), clock)(alice, nowhere, body="x"),
        DeleteArticle(InMemoryUnitOfWork(store), SteppingClock())(alice, nowhere),
        FavoriteArticle(InMemoryUnitOfWork(store), clock)(alice, nowhere),
        UnfavoriteArticle(InMemoryUnitOfWork(store), SteppingClock())(alice, nowhere),
        GetArticle(InMemoryArticleQueries(store))(nowhere, None),
        AddComment(InMemoryUnitOfWork(store), clock)(alice, nowhere, "hi"),
        ListComments(InMemoryCommentQueries(store))(nowhere, None),
    ]:
        with pytest.raises(NotFound):
            await attempt


async def test_deleting_removes_comments_and_favorites(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, bob = people
    slug = (await publish(store, clock)(alice, "Doomed", "d", "b")).slug
    favorited = await FavoriteArticle(InMemoryUnitOfWork(store), clock)(bob, slug)
    assert (favorited.favorited, favorited.favorites_count) == (True, 1)
    await AddComment(InMemoryUnitOfWork(store), clock)(bob, slug, "nice")
    await DeleteArticle(InMemoryUnitOfWork(store), SteppingClock())(alice, slug)
    assert (store.state.articles, store.state.favorites, store.state.comments) == ({}, {}, {})


async def test_comments_belong_to_their_article_and_author(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, bob = people
    first = (await publish(store, clock)(alice, "First", "d", "b")).slug
    second = (await publish(store, clock)(alice, "Second", "d", "b")).slug
    added = await AddComment(InMemoryUnitOfWork(store), clock)(bob, first, "hello")
    assert (added.body, added.author.username) == ("hello", "bob")
    comment = added.id
    with pytest.raises(NotFound):
        await DeleteComment(InMemoryUnitOfWork(store), SteppingClock())(bob, second, comment)
    with pytest.raises(NotFound):
        await DeleteComment(InMemoryUnitOfWork(store), SteppingClock())(bob, first, CommentId(999))
    with pytest.raises(NotAuthor):
        await DeleteComment(InMemoryUnitOfWork(store), SteppingClock())(alice, first, comment)
    await DeleteComment(InMemoryUnitOfWork(store), SteppingClock())(bob, first, comment)
    assert await ListComments(InMemoryCommentQueries(store))(first, None) == []


async def test_blank_comment_is_refused(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    slug = (await publish(store, clock)(people[0], "Post", "d", "b")).slug
    with pytest.raises(InvalidInput):
        await AddComment(InMemoryUnitOfWork(store), clock)(people[1], slug, "   ")


async def test_follow_rules(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    alice, _ = people
    with pytest.raises(InvalidInput):
        await FollowUser(InMemoryUnitOfWork(store), clock)(alice, "ALICE")
    with pytest.raises(NotFound):
        await FollowUser(InMemoryUnitOfWork(store), clock)(alice, "nobody")
    followed = await FollowUser(InMemoryUnitOfWork(store), clock)(alice, "BOB")
    assert (followed.username, followed.following) == ("bob", True)
    assert (await GetProfile(InMemoryProfileQueries(store))("bob", alice)).following
    assert not (await UnfollowUser(InMemoryUnitOfWork(store), SteppingClock())(alice, "bob")).following
    assert not (await GetProfile(InMemoryProfileQueries(store))("bob", alice)).following
    with pytest.raises(NotFound):
        await GetProfile(InMemoryProfileQueries(store))("nobody", None)


async def test_list_filters_are_checked_and_normalised(
    store: InMemoryStore, clock: SteppingClock, people: tuple[UserId, UserId]
) -> None:
    await publish(store, clock)(people[0], "Post", "d", "b", ["dragons"])
    search = ListArticles(InMemoryArticleQueries(store))
    found = await search(ArticleFilter(tag=" Dragons ", author="", favorited_by=None), Page(), None)
    assert found.count == 1
    with pytest.raises(InvalidInput) as raised:
        await search(ArticleFilter(tag="x\x00", author="a" * 300), Page(), None)
    assert set(raised.value.problems) == {"tag", "author"}
