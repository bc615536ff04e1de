"""Who is calling: ``Authorization: Token <jwt>`` (``Bearer`` accepted too), read once per request."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from application.errors import AuthenticationFailed
from domain.ids import UserId

# Used for the OpenAPI security scheme only; parsing and the 401 are ours, whatever FastAPI's defaults.
_authorization = APIKeyHeader(
    name="Authorization",
    scheme_name="Token",
    description="`Token <jwt>` (or `Bearer <jwt>`)",
    auto_error=False,
)
_SCHEMES = ("token", "bearer")


@dataclass(frozen=True, slots=True)
class Viewer:
    id: UserId
    token: str


async def optional_viewer(
    request: Request, authorization: Annotated[str | None, Security(_authorization)]
) -> Viewer | None:
    """None without the header; 401 for a header that is present but malformed, expired or forged."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in _SCHEMES or not token:
        raise AuthenticationFailed("authorization header must be 'Token <jwt>'")
    return Viewer(request.app.state.container.tokens().subject(token), token)


async def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    if viewer is None:
        raise AuthenticationFailed("authentication required")
    return viewer


async def optional_viewer_id(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> UserId | None:
    return None if viewer is None else viewer.id


OptionalViewer = Annotated[UserId | None, Depends(optional_viewer_id)]
RequiredViewer = Annotated[Viewer, Depends(require_viewer)]
