"""The outbox consumer and the notification rules, on the in-memory adapters."""

from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.events import InMemoryEventSource
from adapters.memory.queries import InMemoryNotificationQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from application.articles import FavoriteArticle, PublishArticle
from application.comments import AddComment
from application.events import ProcessEvents, RetryPolicy, StoredEvent
from application.notifications import (
    DeliverNotifications,
    ListNotifications,
    MarkNotificationsRead,
    NotifiedArticle,
)
from application.profiles import FollowUser
from domain.events import UserFollowed
from domain.ids import Slug, UserId
from domain.notifications import NotificationKind
from domain.pagination import Page
from domain.users import FIRST_SECURITY_STAMP, NewUser, PasswordHash
from tests.support.fakes import SteppingClock

DAY = timedelta(days=1)


async def add_users(store: InMemoryStore, *names: str) -> list[UserId]:
    async with InMemoryUnitOfWork(store) as uow:
        ids = [
            (
                await uow.users.add(
                    NewUser(n, f"{n}@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), SteppingClock().now()
                )
            ).id
            for n in names
        ]
        await uow.commit()
    return ids


def consumer(
    store: InMemoryStore, clock: SteppingClock, handler: object = None, attempts: int = 3
) -> ProcessEvents:
    source = InMemoryEventSource(store, clock)
    deliver = handler or DeliverNotifications(InMemoryUnitOfWork(store), DAY)
    return ProcessEvents(source, deliver, clock, RetryPolicy(max_attempts=attempts))  # type: ignore[arg-type]


def test_retry_delays_double_up_to_a_ceiling_then_stop() -> None:
    policy = RetryPolicy(max_attempts=4, first_delay=timedelta(seconds=1), longest_delay=timedelta(seconds=3))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert [policy.next_attempt(n, now) for n in (1, 2, 3, 4)] == [
        now + timedelta(seconds=1),
        now + timedelta(seconds=2),
        now + timedelta(seconds=3),
        None,
    ]


async def test_changes_record_their_events_and_rollbacks_leave_none(
    store: InMemoryStore, clock: SteppingClock
) -> None:
    alice, bob = await add_users(store, "alice", "bob")
    await FollowUser(InMemoryUnitOfWork(store), clock)(bob, "alice")
    await FollowUser(InMemoryUnitOfWork(store), clock)(bob, "alice")  # no change, so no second event
    slug = (await PublishArticle(InMemoryUnitOfWork(store), clock)(alice, "Post", "d", "b")).slug
    await FavoriteArticle(InMemoryUnitOfWork(store), clock)(bob, slug)
    await AddComment(InMemoryUnitOfWork(store), clock)(bob, slug, "hi")
    kinds = [type(r.event).__name__ for r in store.state.outbox.values()]
    assert kinds == ["UserFollowed", "ArticlePublished", "ArticleFavorited", "CommentAdded"]

    async def follow_then_crash() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            await uow.users.follow(alice, bob, clock.now())
            await uow.outbox.add(UserFollowed(alice, bob), clock.now())
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        await follow_then_crash()
    assert len(store.state.outbox) == 4
    assert (alice, bob) not in store.state.follows


async def test_notifications_reach_the_right_people_once(store: InMemoryStore, clock: SteppingClock) -> None:
    alice, bob, carol = await add_users(store, "alice", "bob", "carol")
    await FollowUser(InMemoryUnitOfWork(store), clock)(bob, "alice")
    await FollowUser(InMemoryUnitOfWork(store), clock)(carol, "alice")
    slug = (await PublishArticle(InMemoryUnitOfWork(store), clock)(alice, "Post", "d", "b")).slug
    await FavoriteArticle(InMemoryUnitOfWork(store), clock)(bob, slug)
    await FavoriteArticle(InMemoryUnitOfWork(store), clock)(alice, slug)  # own article: nobody to tell
    await AddComment(InMemoryUnitOfWork(store), clock)(carol, slug, "hi")
    await AddComment(InMemoryUnitOfWork(store), clock)(alice, slug, "thanks")  # own article again

    assert await consumer(store, clock)(100) == 7
    assert await consumer(store, clock)(100) == 0

    inbox = ListNotifications(InMemoryNotificationQueries(store))
    to_alice = await inbox(alice, Page())
    assert [(n.kind, n.actor.username) for n in to_alice.notifications] == [
        (NotificationKind.COMMENT_ADDED, "carol"),
        (NotificationKind.ARTICLE_FAVORITED, "bob"),
        (NotificationKind.USER_FOLLOWED, "carol"),
        (NotificationKind.USER_FOLLOWED, "bob"),
    ]
    assert (to_alice.count, to_alice.unread) == (4, 4)
    for follower in (bob, carol):
        page = await inbox(follower, Page())
        assert [(n.kind, n.article) for n in page.notifications] == [
            (NotificationKind.ARTICLE_PUBLISHED, NotifiedArticle(Slug("post"), "Post"))
        ]

    newest_follow = to_alice.notifications[2].id
    await MarkNotificationsRead(InMemoryUnitOfWork(store), clock)(alice, newest_follow)
    assert (await inbox(alice, Page())).unread == 2


async def test_redelivered_events_notify_nobody_twice(store: InMemoryStore, clock: SteppingClock) -> None:
    alice, bob = await add_users(store, "alice", "bob")
    deliver = DeliverNotifications(InMemoryUnitOfWork(store), DAY)
    event = StoredEvent(1, UserFollowed(bob, alice), clock.now(), 0)
    await deliver(event)
    await deliver(event)
    assert (await ListNotifications(InMemoryNotificationQueries(store))(alice, Page())).count == 1


class FailsFor:
    """A handler that fails for one kind of event and delivers the rest."""

    def __init__(self, store: InMemoryStore, poisoned: UserId) -> None:
        self.deliver, self.poisoned, self.calls = (
            DeliverNotifications(InMemoryUnitOfWork(store), DAY),
            poisoned,
            0,
        )

    async def __call__(self, stored: StoredEvent) -> None:
        self.calls += 1
        if isinstance(stored.event, UserFollowed) and stored.event.follower_id == self.poisoned:
            raise ValueError("cannot handle this one")
        await self.deliver(stored)


async def test_an_event_that_keeps_failing_is_dead_lettered_and_the_rest_flow(
    store: InMemoryStore, clock: SteppingClock
) -> None:
    alice, bob, carol = await add_users(store, "alice", "bob", "carol")
    await FollowUser(InMemoryUnitOfWork(store), clock)(bob, "alice")
    await FollowUser(InMemoryUnitOfWork(store), clock)(carol, "alice")
    process = consumer(store, clock, FailsFor(store, poisoned=bob), attempts=3)

    for _ in range(3):
        await process(100)
        clock.current += timedelta(minutes=10)  # past any retry delay
    assert await process(100) == 0
    poisoned, fine = store.state.outbox.values()
    assert (poisoned.status, poisoned.failures) == ("dead", 3)
    assert poisoned.last_error == "ValueError: cannot handle this one"
    assert fine.status == "done"
    names = [
        n.actor.username
        for n in (await ListNotifications(InMemoryNotificationQueries(store))(alice, Page())).notifications
    ]
    assert names == ["carol"]


async def test_a_failed_event_waits_for_its_retry_time(store: InMemoryStore, clock: SteppingClock) -> None:
    _, bob = await add_users(store, "alice", "bob")
    await FollowUser(InMemoryUnitOfWork(store), clock)(bob, "alice")
    handler = FailsFor(store, poisoned=bob)
    process = consumer(store, clock, handler, attempts=5)
    await process(100)
    assert await process(100) == 0, "not due again before its backoff"
    clock.current += timedelta(seconds=2)
    assert await process(100) == 1
    assert handler.calls == 2
