"""Stream tickets: what a browser's EventSource, which cannot send an Authorization header, opens a
notification stream with. A ticket is asked for with the API token, lives ``TICKET_SECONDS``, names the
user, the token's security stamp and expiry, and is good for opening one stream, once.

A ticket goes in a URL (``?ticket=``), where a proxy or a browser's history may keep it: so it is short
lived, good for nothing else (a ticket is never an API token, nor an API token a ticket: the
``StreamTickets`` adapter signs them apart), and spent by its first use in every process at once, through
the attempt counts every process shares (an id kept in one process's memory would let another process
take it again).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from application.errors import AuthenticationFailed
from application.live_notifications import StreamGrant
from application.ports import Clock
from application.sessions import Authenticate
from application.throttling import AttemptCounts
from application.views import SecurityStamps

TICKET_SECONDS: Final = 30
# The key a ticket's use is counted under; its window outlasts the ticket, so a spent one stays spent.
_SPENT = "stream-ticket:{}"
_SPENT_FOR = timedelta(seconds=2 * TICKET_SECONDS)


@dataclass(frozen=True, slots=True)
class TicketClaims:
    ticket_id: str  # unique per ticket
    grant: StreamGrant  # the token's user, stamp and expiry
    expires_at: datetime  # the ticket's own, which is much sooner


@dataclass(frozen=True, slots=True)
class Ticket:
    value: str
    expires_in: int  # seconds


class StreamTickets(Protocol):
    def issue(self, grant: StreamGrant) -> Ticket: ...

    def claims(self, ticket: str) -> TicketClaims:
        """What a ticket this service issued says; ``AuthenticationFailed`` when it is expired, forged,
        malformed, or anything but a stream ticket (an API token included)."""
        ...


class IssueStreamTicket:
    def __init__(self, authenticate: Authenticate, tickets: StreamTickets) -> None:
        self._authenticate, self._tickets = authenticate, tickets

    async def __call__(self, token: str) -> Ticket:
        return self._tickets.issue(await grant_of(self._authenticate, token))


async def grant_of(authenticate: Authenticate, token: str) -> StreamGrant:
    """The stream an honoured API token may open (``AuthenticationFailed`` otherwise)."""
    claims = await authenticate.claims(token)
    if claims.expires_at is None:
        raise AuthenticationFailed("token is invalid or expired")  # every token Conduit issues expires
    return StreamGrant(claims.user_id, claims.security_stamp, claims.expires_at)


class RedeemStreamTicket:
    """A ticket's grant, once: the first use spends it everywhere. Counted before it is checked, so two
    uses at once (two processes, say) cannot both see it unspent; both may be refused then, never both
    let in."""

    def __init__(
        self, tickets: StreamTickets, stamps: SecurityStamps, counts: AttemptCounts, clock: Clock
    ) -> None:
        self._tickets, self._stamps, self._counts, self._clock = tickets, stamps, counts, clock

    async def __call__(self, ticket: str) -> StreamGrant:
        claims = self._tickets.claims(ticket)
        key, now = _SPENT.format(claims.ticket_id), self._clock.now()
        await self._counts.add({key: _SPENT_FOR}, now)
        window = (await self._counts.open_windows([key], now)).get(key)
        if window is None or window.count != 1:
            raise AuthenticationFailed("ticket has already been used")
        grant = claims.grant
        current = await self._stamps.current(grant.user_id)
        if current is None:
            raise AuthenticationFailed("user no longer exists")
        if current != grant.security_stamp:
            raise AuthenticationFailed("token has been revoked")
        if now >= grant.expires_at:
            raise AuthenticationFailed("token is invalid or expired")
        return grant
