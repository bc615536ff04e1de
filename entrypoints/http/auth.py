"""Who is calling: ``Authorization: Token <jwt>`` (``Bearer`` accepted too), read once per request.

The dependencies read the header themselves rather than through FastAPI's security classes: one
dependency level instead of three on every request (entrypoints/http/openapi.py documents the scheme).
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from application.errors import AuthenticationFailed
from domain.ids import UserId

_SCHEMES = ("token", "bearer")


@dataclass(frozen=True, slots=True)
class Viewer:
    id: UserId
    token: str


def _viewer(request: Request) -> Viewer | None:
    """None without the header; 401 for a header that is present but malformed, expired or forged."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in _SCHEMES or not token:
        raise AuthenticationFailed("authorization header must be 'Token <jwt>'")
    return Viewer(request.app.state.container.tokens().subject(token), token)


async def require_viewer(request: Request) -> Viewer:
    viewer = _viewer(request)
    if viewer is None:
        raise AuthenticationFailed("authentication required")
    return viewer


async def optional_viewer_id(request: Request) -> UserId | None:
    viewer = _viewer(request)
    return None if viewer is None else viewer.id


OptionalViewer = Annotated[UserId | None, Depends(optional_viewer_id)]
RequiredViewer = Annotated[Viewer, Depends(require_viewer)]
