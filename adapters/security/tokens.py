"""Signed session tokens: JWT, HS256, naming the user by immutable id."""

from datetime import timedelta
from typing import Final

import jwt

from application.errors import AuthenticationFailed
from application.ports import Clock, TokenService
from domain.ids import UserId

_ALGORITHM = "HS256"
# Tokens already verified, so a client's repeated requests cost a dict lookup instead of an HMAC and
# two base64 decodes. Keyed by the whole token, signature included: only verified tokens ever match.
VERIFIED_CACHE_SIZE: Final = 10_000


class JwtTokenService(TokenService):
    def __init__(self, secret: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret, self._ttl, self._clock = secret, timedelta(seconds=ttl_seconds), clock
        self._decoder = jwt.PyJWT(options={"require": ["sub", "iat", "exp"]})
        self._verified: dict[str, tuple[UserId, float]] = {}

    def issue(self, user_id: UserId) -> str:
        now = self._clock.now()
        claims = {"sub": str(user_id), "iat": now, "exp": now + self._ttl}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def subject(self, token: str) -> UserId:
        now = self._clock.now().timestamp()
        known = self._verified.get(token)
        if known is not None:
            user_id, expires = known
            if now < expires:
                return user_id
            del self._verified[token]
        user_id, expires = self._verify(token)
        if now >= expires:
            raise AuthenticationFailed("token is invalid or expired")
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = (user_id, expires)
        return user_id

    def _verify(self, token: str) -> tuple[UserId, float]:
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
        return UserId(int(subject)), float(claims["exp"])
