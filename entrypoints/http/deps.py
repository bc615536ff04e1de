"""What a route takes from the request besides its parameters: the container and the caller.

Plain functions a route calls, not FastAPI dependencies: every dependency costs each request a pass
through FastAPI's resolver, and these are needed on every request. The app's
container lives in ``app.state``, so nothing is patched globally and several apps can share a process.
"""

import ipaddress
from dataclasses import dataclass

from fastapi import Request

from adapters.postgres.consistency import current_fence
from application.errors import AuthenticationFailed
from domain.ids import UserId
from entrypoints.container import Container

_SCHEMES = ("token", "bearer")


def conduit(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


@dataclass(frozen=True, slots=True)
class Viewer:
    id: UserId
    token: str


async def viewer(request: Request) -> Viewer:
    """The caller, from ``Authorization: Token <jwt>`` (``Bearer`` too); 401 when absent or not honoured
    (malformed, expired, forged, revoked, or its user gone)."""
    found = await _viewer(request)
    if found is None:
        raise AuthenticationFailed("authentication required")
    return found


async def viewer_id(request: Request) -> UserId | None:
    """The caller's id, None when anonymous; still 401 for a token that is not honoured."""
    found = await _viewer(request)
    return None if found is None else found.id


def client_address(request: Request) -> str:
    """Where the request comes from, as throttles count it: the peer's address (a proxy's
    ``X-Forwarded-For`` when uvicorn trusts it: ``FORWARDED_ALLOW_IPS``), an IPv6 one by its /64, the
    block one subscriber is given."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Token <jwt>`` (or ``Bearer``), not yet checked; None when absent."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in _SCHEMES or not token:
        raise AuthenticationFailed("authorization header must be 'Token <jwt>'")
    return token


async def _viewer(request: Request) -> Viewer | None:
    token = bearer_token(request)
    if token is None:
        return None
    user = await conduit(request).authenticate()(token)
    fence = current_fence()
    if fence is not None:
        fence.read_as(user)  # its reads see what it wrote, wherever they go
    return Viewer(user, token)
