"""The OpenAPI document: FastAPI's, plus the RealWorld ``Token`` security scheme on the operations whose
routes use the viewer dependencies (required: Token; optional: anonymous or Token)."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from entrypoints.http.auth import optional_viewer_id, require_viewer

TOKEN_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "`Token <jwt>` (or `Bearer <jwt>`), the token from registering or logging in.",
}


def document_security(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """``routers``: the routers whose routes the app serves."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["Token"] = TOKEN_SCHEME
            for router in routers:
                for route in router.routes:
                    if isinstance(route, APIRoute):
                        _mark(schema, route)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _mark(schema: dict[str, Any], route: APIRoute) -> None:
    uses = {dependency.call for dependency in route.dependant.dependencies}
    if require_viewer in uses:
        security: list[dict[str, list[str]]] = [{"Token": []}]
    elif optional_viewer_id in uses:
        security = [{}, {"Token": []}]
    else:
        return
    for method in route.methods or ():
        schema["paths"][route.path_format][method.lower()]["security"] = security
