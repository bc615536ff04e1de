"""Who is calling: a token is honoured while it is valid, its user exists, and the user's security stamp is
still the one the token carries (a password change or an operator's revocation replaces it)."""

from application.errors import AuthenticationFailed
from application.ports import TokenClaims, TokenService
from application.views import SecurityStamps
from domain.ids import UserId


class Authenticate:
    def __init__(self, tokens: TokenService, stamps: SecurityStamps) -> None:
        self._tokens, self._stamps = tokens, stamps

    async def __call__(self, token: str) -> UserId:
        return (await self.claims(token)).user_id

    async def claims(self, token: str) -> TokenClaims:
        """What an honoured token says (``AuthenticationFailed`` otherwise)."""
        claims = self._tokens.claims(token)
        current = await self._stamps.current(claims.user_id)
        if current is None:
            raise AuthenticationFailed("user no longer exists")
        if current != claims.security_stamp:
            raise AuthenticationFailed("token has been revoked")
        return claims
