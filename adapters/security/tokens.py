"""Signed session tokens: JWT, HS256, naming the user by immutable id and carrying the user's security
stamp (``stamp``), which ``application.sessions`` compares with the user's current one."""

from datetime import UTC, datetime, timedelta
from typing import Final

import jwt

from application.errors import AuthenticationFailed
from application.ports import Clock, TokenClaims, TokenService
from domain.ids import UserId
from domain.users import FIRST_SECURITY_STAMP, SecurityStamp

_ALGORITHM = "HS256"
# Tokens already verified, so a client's repeated requests cost a dict lookup instead of an HMAC and
# two base64 decodes. Keyed by the whole token, signature included: only verified tokens ever match.
VERIFIED_CACHE_SIZE: Final = 10_000


class JwtTokenService(TokenService):
    def __init__(self, secret: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret, self._ttl, self._clock = secret, timedelta(seconds=ttl_seconds), clock
        self._decoder = jwt.PyJWT(options={"require": ["sub", "iat", "exp"]})
        self._verified: dict[str, tuple[TokenClaims, float]] = {}

    def issue(self, user_id: UserId, security_stamp: SecurityStamp) -> str:
        now = self._clock.now()
        claims = {"sub": str(user_id), "stamp": security_stamp, "iat": now, "exp": now + self._ttl}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def claims(self, token: str) -> TokenClaims:
        now = self._clock.now().timestamp()
        known = self._verified.get(token)
        if known is not None:
            claims, expires = known
            if now < expires:
                return claims
            del self._verified[token]
        claims, expires = self._verify(token)
        if now >= expires:
            raise AuthenticationFailed("token is invalid or expired")
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = (claims, expires)
        return claims

    def _verify(self, token: str) -> tuple[TokenClaims, float]:
        try:
            # Pinning the algorithm is what refuses "alg: none" and key-confusion tokens.
            claims = self._decoder.decode(token, self._secret, algorithms=[_ALGORITHM])
        except jwt.PyJWTError:
            raise AuthenticationFailed("token is invalid or expired") from None
        subject = claims["sub"]
        if (
            not isinstance(subject, str)
            or not subject.isascii()
            or not subject.isdigit()
            or len(subject) > 18
        ):
            raise AuthenticationFailed("token is invalid or expired")
        # Tokens issued before stamps existed carry none; their users have the first stamp until revoked.
        stamp = claims.get("stamp", FIRST_SECURITY_STAMP)
        if type(stamp) is not int:
            raise AuthenticationFailed("token is invalid or expired")
        expires = float(claims["exp"])
        at = datetime.fromtimestamp(expires, UTC)
        return TokenClaims(UserId(int(subject)), SecurityStamp(stamp), at), expires
