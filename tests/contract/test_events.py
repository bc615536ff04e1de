"""The outbox, its consumer port and the notification store: the same on both backends."""

import asyncio
from datetime import timedelta

import pytest

from application.events import StoredEvent
from application.notifications import DeliverNotifications, NotifiedArticle
from domain.events import ArticleFavorited, ArticlePublished, UserFollowed
from domain.ids import ArticleId, Slug
from domain.notifications import NewNotification, NotificationKind
from domain.pagination import Page
from tests.contract.conftest import START, Backend

DAY = timedelta(days=1)


async def record(backend: Backend, *events: object) -> None:
    async with backend.new_uow() as uow:
        for event in events:
            await uow.outbox.add(event, START)  # type: ignore[arg-type]
        await uow.commit()


async def test_recorded_events_come_back_in_order_with_their_time(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    published = ArticlePublished(ArticleId(7), Slug("post"), "Post", alice.id)
    await record(backend, UserFollowed(bob.id, alice.id), published)
    async with backend.events.claim(10) as batch:
        assert [(e.event, e.occurred_at, e.failures) for e in batch.events] == [
            (UserFollowed(bob.id, alice.id), START, 0),
            (published, START, 0),
        ]
        for stored in batch.events:
            await batch.done(stored.id)
    async with backend.events.claim(10) as batch:
        assert batch.events == []


async def test_events_are_gone_with_a_rolled_back_change(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")

    async def follow_then_crash() -> None:
        async with backend.new_uow() as uow:
            await uow.users.follow(bob.id, alice.id, START)
            await uow.outbox.add(UserFollowed(bob.id, alice.id), START)
            raise RuntimeError("crash after the change, before the commit")

    with pytest.raises(RuntimeError):
        await follow_then_crash()
    async with backend.events.claim(10) as batch:
        assert batch.events == []
    profile = await backend.profiles.get("alice", bob.id)
    assert profile is not None
    assert not profile.following


async def test_concurrent_claims_never_share_an_event(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    await record(backend, *(UserFollowed(bob.id, alice.id) for _ in range(6)))
    async with backend.events.claim(4) as first, backend.events.claim(4) as second:
        ids_first, ids_second = {e.id for e in first.events}, {e.id for e in second.events}
        for batch in (first, second):
            for stored in batch.events:
                await batch.done(stored.id)
    assert (len(ids_first), len(ids_second)) == (4, 2)
    assert not ids_first & ids_second


async def test_an_abandoned_batch_releases_its_events(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    await record(backend, UserFollowed(bob.id, alice.id))

    async def crash_mid_batch() -> None:
        async with backend.events.claim(10) as batch:
            assert len(batch.events) == 1
            raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        await crash_mid_batch()
    async with backend.events.claim(10) as batch:
        assert len(batch.events) == 1


async def test_failures_are_retried_later_and_dead_letters_never(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    await record(backend, UserFollowed(bob.id, alice.id), UserFollowed(alice.id, bob.id))
    soon = backend.clock.now() + timedelta(seconds=30)
    async with backend.events.claim(10) as batch:
        retried, dead = batch.events
        await batch.failed(retried.id, "boom", soon)
        await batch.failed(dead.id, "boom", None)
    backend.clock.advance(timedelta(seconds=29))
    async with backend.events.claim(10) as batch:
        assert batch.events == [], "not due yet"
    backend.clock.advance(timedelta(seconds=1))
    async with backend.events.claim(10) as batch:
        assert [(e.id, e.failures) for e in batch.events] == [(retried.id, 1)]


async def test_handled_events_are_pruned_after_their_age_and_dead_letters_kept(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    await record(backend, UserFollowed(bob.id, alice.id), UserFollowed(alice.id, bob.id))
    async with backend.events.claim(10) as batch:
        handled, dead = batch.events
        await batch.done(handled.id)
        await batch.failed(dead.id, "boom", None)
    backend.clock.advance(timedelta(days=6))
    assert await backend.events.prune(timedelta(days=7)) == 0
    backend.clock.advance(timedelta(days=2))
    assert await backend.events.prune(timedelta(days=7)) == 1
    assert await backend.events.prune(timedelta(days=7)) == 0


async def test_notifications_once_per_event_and_recipient(backend: Backend) -> None:
    alice, bob, carol = await backend.user("alice"), await backend.user("bob"), await backend.user("carol")
    await backend.follow(bob, alice)
    await backend.follow(carol, alice)
    note = NewNotification(NotificationKind.ARTICLE_PUBLISHED, alice.id, START, Slug("post"), "Post")
    for _ in range(2):
        async with backend.new_uow() as uow:
            await uow.notifications.add_for_followers(1, alice.id, note)
            await uow.notifications.add(
                2, alice.id, NewNotification(NotificationKind.USER_FOLLOWED, bob.id, START)
            )
            await uow.commit()
    to_bob = await backend.notifications.inbox(bob.id, Page())
    assert [(n.kind, n.actor.username, n.actor.following, n.article) for n in to_bob.notifications] == [
        (NotificationKind.ARTICLE_PUBLISHED, "alice", True, NotifiedArticle(Slug("post"), "Post"))
    ]
    to_alice = await backend.notifications.inbox(alice.id, Page())
    assert (to_alice.count, to_alice.unread, to_alice.notifications[0].read) == (1, 1, False)
    async with backend.new_uow() as uow:
        await uow.notifications.mark_read(alice.id, to_alice.notifications[0].id, START)
        await uow.commit()
    to_alice = await backend.notifications.inbox(alice.id, Page())
    assert (to_alice.count, to_alice.unread, to_alice.notifications[0].read) == (1, 0, True)
    empty = await backend.notifications.inbox(carol.id, Page(offset=5))
    assert (empty.notifications, empty.count, empty.unread) == ((), 1, 1)


async def test_delivering_the_same_event_twice_is_harmless(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    deliver = DeliverNotifications(backend.new_uow(), DAY)
    stored = StoredEvent(41, UserFollowed(bob.id, alice.id), START, 0)
    await asyncio.gather(deliver(stored), DeliverNotifications(backend.new_uow(), DAY)(stored))
    assert (await backend.notifications.inbox(alice.id, Page())).count == 1


async def test_undoable_acts_notify_once_per_actor_and_article_within_the_window(backend: Backend) -> None:
    alice, bob, carol = await backend.user("alice"), await backend.user("bob"), await backend.user("carol")
    post, other = await backend.article(alice, "Post"), await backend.article(alice, "Other")
    deliver = DeliverNotifications(backend.new_uow(), DAY)
    toggles = [UserFollowed(bob.id, alice.id), ArticleFavorited(post.id, post.slug, "Post", alice.id, bob.id)]
    for cycle in range(4):  # bob follows and favorites, undoes both, does both again...
        for offset, event in enumerate(toggles):
            await deliver(StoredEvent(10 * cycle + offset, event, START + timedelta(minutes=cycle), 0))
    await deliver(
        StoredEvent(50, ArticleFavorited(other.id, other.slug, "Other", alice.id, bob.id), START, 0)
    )
    await deliver(StoredEvent(51, UserFollowed(carol.id, alice.id), START, 0))
    await deliver(StoredEvent(52, UserFollowed(bob.id, alice.id), START + DAY, 0))  # the window has passed

    inbox = await backend.notifications.inbox(alice.id, Page())
    told = sorted(
        (n.kind, n.actor.username, n.article.slug if n.article else None) for n in inbox.notifications
    )
    assert told == sorted(
        [
            (NotificationKind.USER_FOLLOWED, "bob", None),
            (NotificationKind.ARTICLE_FAVORITED, "bob", post.slug),
            (NotificationKind.ARTICLE_FAVORITED, "bob", other.slug),
            (NotificationKind.USER_FOLLOWED, "carol", None),
            (NotificationKind.USER_FOLLOWED, "bob", None),
        ]
    )


async def test_concurrent_deliveries_of_a_repeated_act_notify_once(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    follows = [
        StoredEvent(60 + n, UserFollowed(bob.id, alice.id), START + timedelta(seconds=n), 0) for n in range(4)
    ]
    await asyncio.gather(*(DeliverNotifications(backend.new_uow(), DAY)(stored) for stored in follows))
    assert (await backend.notifications.inbox(alice.id, Page())).count == 1


async def test_a_zero_window_notifies_every_time(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    deliver = DeliverNotifications(backend.new_uow(), timedelta(0))
    for n in range(3):
        await deliver(StoredEvent(70 + n, UserFollowed(bob.id, alice.id), START, 0))
    assert (await backend.notifications.inbox(alice.id, Page())).count == 3
