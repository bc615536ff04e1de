"""The RealWorld ``Token`` security scheme in the OpenAPI document.

Routes declare what they need with ``openapi_extra=TOKEN`` (required) or ``TOKEN_OPTIONAL``
(anonymous or signed in); the scheme itself is added to the document's components here.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

TOKEN: dict[str, Any] = {"security": [{"Token": []}]}
TOKEN_OPTIONAL: dict[str, Any] = {"security": [{}, {"Token": []}]}


def token_use(route: object) -> dict[str, Any] | None:
    """``TOKEN`` or ``TOKEN_OPTIONAL`` as ``route`` declared it; None for a route that takes no token."""
    declared = route.openapi_extra if isinstance(route, APIRoute) else None
    security = (declared or {}).get("security")
    return next((use for use in (TOKEN, TOKEN_OPTIONAL) if use["security"] == security), None)


TOKEN_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "`Token <jwt>` (or `Bearer <jwt>`), the token from registering or logging in.",
}


def document_security(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["Token"] = TOKEN_SCHEME
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
