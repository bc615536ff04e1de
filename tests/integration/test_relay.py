"""The relay (adapters/nats/relay.py) on a real JetStream: each event on its kind's subject with its outbox
id as message id, stored once however often it is sent; the streams set up idempotently; an unreachable
broker is BrokerUnavailable, not the event's failure; and the wire format round-trips every kind."""

from datetime import UTC, datetime

import nats
import pytest

from adapters.nats.embedded import EmbeddedNats
from adapters.nats.relay import JetStreamRelay
from adapters.nats.stream import EVENTS, ensure_streams
from adapters.nats.wire import UnknownEvent, decode, encode
from application.errors import BrokerUnavailable
from application.events import StoredEvent
from domain.events import ArticleFavorited, ArticlePublished, CommentAdded, UserFollowed
from domain.ids import ArticleId, CommentId, Slug, UserId

AT = datetime(2026, 12, 1, 12, 30, 15, 123456, tzinfo=UTC)
EVENTS_OF_EVERY_KIND = [
    StoredEvent(1, ArticlePublished(ArticleId(3), Slug("a-3"), "Title", UserId(1)), AT, 0),
    StoredEvent(2, ArticleFavorited(ArticleId(3), Slug("a-3"), "Title", UserId(1), UserId(2)), AT, 0),
    StoredEvent(3, CommentAdded(CommentId(9), ArticleId(3), Slug("a-3"), "T", UserId(1), UserId(2)), AT, 0),
    StoredEvent(4, UserFollowed(UserId(2), UserId(1)), AT, 0),
]


@pytest.mark.parametrize("stored", EVENTS_OF_EVERY_KIND, ids=lambda s: type(s.event).__name__)
def test_every_kind_round_trips_through_the_wire_format(stored: StoredEvent) -> None:
    assert decode(encode(stored)) == stored


@pytest.mark.parametrize(
    "body",
    [b"not json", b"{}", b'{"id": 1, "kind": "userDeleted", "occurredAt": "2026-12-01T00:00:00Z"}',
     b'{"id": 1, "kind": "userFollowed", "occurredAt": "2026-12-01T00:00:00Z", "followerId": "1",'
     b' "followeeId": 2}'],
)  # fmt: skip
def test_what_is_not_a_known_event_is_refused(body: bytes) -> None:
    with pytest.raises(UnknownEvent):
        decode(body)


async def test_each_event_is_stored_once_on_its_subject_with_its_id(nats_broker: EmbeddedNats) -> None:
    relay = JetStreamRelay(nats_broker.url)
    try:
        for stored in EVENTS_OF_EVERY_KIND:
            await relay(stored)
        await relay(EVENTS_OF_EVERY_KIND[-1])  # sent again, as after a relay died before marking it
    finally:
        await relay.aclose()
    client = await nats.connect(nats_broker.url)
    try:
        js = client.jetstream()
        info = await js.stream_info(str(EVENTS.name))
        assert info.state.messages == len(EVENTS_OF_EVERY_KIND)
        last = await js.get_last_msg(str(EVENTS.name), "conduit.events.userFollowed")
        assert last.headers is not None
        assert last.headers["Nats-Msg-Id"] == "4"
        assert decode(last.data) == EVENTS_OF_EVERY_KIND[-1]
        await ensure_streams(js)  # again, with the streams there: nothing changes, nothing fails
        assert (await js.stream_info(str(EVENTS.name))).state.messages == len(EVENTS_OF_EVERY_KIND)
    finally:
        await client.close()


async def test_a_broker_that_is_not_there_is_unavailable(nats_broker: EmbeddedNats) -> None:
    url = nats_broker.url
    nats_broker.stop()
    relay = JetStreamRelay(url)
    with pytest.raises(BrokerUnavailable):
        await relay(EVENTS_OF_EVERY_KIND[0])
