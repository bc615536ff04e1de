"""Stream tickets and the stream's own end, with the clock in the test's hands."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.notification_signals import InMemoryNotificationSignals
from adapters.security.clock import SystemClock
from adapters.security.stream_tickets import JwtStreamTickets
from adapters.security.tokens import JwtTokenService
from application.errors import AuthenticationFailed, RateLimited
from application.live_notifications import (
    Heartbeat,
    OpenNotificationStream,
    StreamConnections,
    StreamGrant,
)
from application.notifications import NotificationView
from domain.ids import UserId
from domain.users import SecurityStamp
from tests.support.fakes import SteppingClock

SECRET = "unit-secret-that-is-at-least-thirty-two-bytes"
STAMP = SecurityStamp(42)


def grant(expires_in: timedelta = timedelta(days=7)) -> StreamGrant:
    return StreamGrant(UserId(7), STAMP, datetime.now(UTC) + expires_in)


def test_a_ticket_says_its_grant_for_30_seconds_and_then_nothing() -> None:
    clock = SteppingClock()
    tickets = JwtStreamTickets(SECRET, clock)
    issued = tickets.issue(grant())
    assert issued.expires_in == 30
    claims = tickets.claims(issued.value)
    assert (claims.grant.user_id, claims.grant.security_stamp) == (UserId(7), STAMP)
    assert abs(claims.grant.expires_at - grant().expires_at) < timedelta(seconds=5)
    clock.advance(timedelta(seconds=30))
    with pytest.raises(AuthenticationFailed):
        tickets.claims(issued.value)


def test_a_ticket_never_outlives_its_token() -> None:
    tickets = JwtStreamTickets(SECRET, SystemClock())
    claims = tickets.claims(tickets.issue(grant(timedelta(seconds=10))).value)
    assert claims.expires_at <= claims.grant.expires_at


def test_tickets_and_api_tokens_are_never_taken_for_each_other() -> None:
    tokens, tickets = JwtTokenService(SECRET, 3600, SystemClock()), JwtStreamTickets(SECRET, SystemClock())
    with pytest.raises(AuthenticationFailed):
        tickets.claims(tokens.issue(UserId(7), STAMP))
    with pytest.raises(AuthenticationFailed):
        tokens.claims(tickets.issue(grant()).value)
    with pytest.raises(AuthenticationFailed):
        JwtStreamTickets("another-secret-of-thirty-two-bytes-or-more", SystemClock()).claims(
            tickets.issue(grant()).value
        )


class NoNotifications:
    async def after(self, recipient: UserId, after_id: int, limit: int) -> tuple[NotificationView, ...]:
        return ()

    async def newest_id(self, recipient: UserId) -> int:
        return 0


class Stamps:
    def __init__(self) -> None:
        self.stamp: SecurityStamp | None = STAMP

    async def current(self, user_id: UserId) -> SecurityStamp | None:
        return self.stamp

    def forget(self, user_id: UserId) -> None:
        return None


def opened(stamps: Stamps, connections: StreamConnections, heartbeat: float = 60) -> OpenNotificationStream:
    signals = InMemoryNotificationSignals()
    return OpenNotificationStream(signals, NoNotifications(), stamps, SystemClock(), connections, heartbeat)


async def test_a_stream_ends_when_its_token_expires_and_frees_its_slot() -> None:
    connections = StreamConnections(per_user=1)
    stream = opened(Stamps(), connections)(grant(timedelta(seconds=0.3)), None)
    assert connections.open(UserId(7)) == 1
    seen = [item async for item in stream.events()]  # ends by itself, well before the heartbeat
    assert seen == [Heartbeat()]
    assert connections.open(UserId(7)) == 0


async def test_a_stream_ends_within_a_second_or_so_of_its_users_deletion() -> None:
    stamps = Stamps()
    stream = opened(stamps, StreamConnections(per_user=1))(grant(), None)
    events = stream.events()
    assert await anext(events) == Heartbeat()
    stamps.stamp = None
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(events), 2)


async def test_heartbeats_come_when_nothing_else_does() -> None:
    stream = opened(Stamps(), StreamConnections(per_user=1), heartbeat=0.05)(grant(), None)
    events = stream.events()
    beats = [await asyncio.wait_for(anext(events), 1) for _ in range(3)]
    assert beats == [Heartbeat()] * 3
    await events.aclose()  # type: ignore[attr-defined]


def test_the_cap_counts_each_user_apart() -> None:
    connections = StreamConnections(per_user=2)
    first, _ = connections.take(UserId(1)), connections.take(UserId(1))
    connections.take(UserId(2))
    with pytest.raises(RateLimited, match="too many notification streams"):
        connections.take(UserId(1))
    first()
    first()  # releasing twice frees one slot only
    connections.take(UserId(1))
    assert connections.open(UserId(1)) == 2
