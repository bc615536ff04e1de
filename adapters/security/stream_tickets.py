"""Stream tickets as JWTs (HS256), signed apart from API tokens.

The key is derived from the JWT secret for this one purpose (HMAC-SHA256 of a fixed label), so neither
kind of token verifies as the other whatever its claims say; the ``purpose`` claim says it again, for
anyone who reads a ticket.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Final

import jwt

from application.errors import AuthenticationFailed
from application.live_notifications import StreamGrant
from application.ports import Clock
from application.stream_tickets import TICKET_SECONDS, StreamTickets, Ticket, TicketClaims
from domain.ids import UserId
from domain.users import SecurityStamp

_ALGORITHM = "HS256"
PURPOSE: Final = "notification-stream"
_LABEL = b"conduit stream tickets v1"
_REQUIRED = ["sub", "stamp", "purpose", "jti", "exp", "token_exp"]


class JwtStreamTickets(StreamTickets):
    def __init__(self, secret: str, clock: Clock, ttl_seconds: int = TICKET_SECONDS) -> None:
        self._key = hmac.new(secret.encode(), _LABEL, hashlib.sha256).hexdigest()
        self._clock, self._ttl = clock, ttl_seconds
        self._decoder = jwt.PyJWT(options={"require": _REQUIRED, "verify_exp": False})

    def issue(self, grant: StreamGrant) -> Ticket:
        now = self._clock.now()
        # Never outlives the token it was asked for with.
        expires = min(now + timedelta(seconds=self._ttl), grant.expires_at)
        claims = {
            "sub": str(grant.user_id),
            "stamp": grant.security_stamp,
            "purpose": PURPOSE,
            "jti": secrets.token_urlsafe(16),
            "iat": int(now.timestamp()),
            "exp": expires.timestamp(),
            "token_exp": grant.expires_at.timestamp(),
        }
        return Ticket(jwt.encode(claims, self._key, algorithm=_ALGORITHM), self._ttl)

    def claims(self, ticket: str) -> TicketClaims:
        refused = AuthenticationFailed("ticket is invalid or expired")
        try:
            # Pinning the algorithm is what refuses "alg: none" and key-confusion tokens.
            claims = self._decoder.decode(ticket, self._key, algorithms=[_ALGORITHM])
        except jwt.PyJWTError:
            raise refused from None
        subject, stamp, jti = claims["sub"], claims["stamp"], claims["jti"]
        if (
            claims["purpose"] != PURPOSE
            or not isinstance(subject, str)
            or not (subject.isascii() and subject.isdigit() and len(subject) <= 18)
            or type(stamp) is not int
            or not isinstance(jti, str)
            or not all(isinstance(claims[k], int | float) for k in ("exp", "token_exp"))
        ):
            raise refused
        expires = datetime.fromtimestamp(claims["exp"], UTC)
        # Checked against the application's clock, as API tokens are, not the library's.
        if self._clock.now() >= expires:
            raise refused
        grant = StreamGrant(
            UserId(int(subject)), SecurityStamp(stamp), datetime.fromtimestamp(claims["token_exp"], UTC)
        )
        return TicketClaims(jti, grant, expires)
