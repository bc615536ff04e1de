"""Signed session tokens: JWT, HS256, naming the user by immutable id."""

from datetime import timedelta

import jwt

from application.errors import AuthenticationFailed
from application.ports import Clock, TokenService
from domain.ids import UserId

_ALGORITHM = "HS256"


class JwtTokenService(TokenService):
    def __init__(self, secret: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret, self._ttl, self._clock = secret, timedelta(seconds=ttl_seconds), clock
        self._decoder = jwt.PyJWT(options={"require": ["sub", "iat", "exp"]})

    def issue(self, user_id: UserId) -> str:
        now = self._clock.now()
        claims = {"sub": str(user_id), "iat": now, "exp": now + self._ttl}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def subject(self, token: str) -> UserId:
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
        return UserId(int(subject))
