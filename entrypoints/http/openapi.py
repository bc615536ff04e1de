"""Conduit's own OpenAPI document: the RealWorld ``Token`` security scheme, and the error responses every
operation may give, each in the error envelope (errors.py).

Routes declare what they need with ``openapi_extra=TOKEN`` (required) or ``TOKEN_OPTIONAL`` (anonymous or
signed in), and with ``responses=may_answer(...)`` the errors that only their own rules give: 403 where
ownership is checked, 404 for a name that may be unknown, 422 for a value refused by what it names, 429
where a write budget is spent. The rest follow from an operation's shape, and are added here: 400 (a URL
with NUL, JSON that does not parse) and 503 (storage unreachable) on every API operation, 413, 415 and
422 where there is a body, 422 where a query or a bounded path parameter is read, 401 where a token is
read. FastAPI's own validation-error schema is left out: Conduit never answers with it.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from entrypoints.http.routes import API_PREFIX

TOKEN: dict[str, Any] = {"security": [{"Token": []}]}
TOKEN_OPTIONAL: dict[str, Any] = {"security": [{}, {"Token": []}]}
# The notification stream: the token, or a stream ticket in the URL (EventSource sends no headers).
STREAM_AUTH: dict[str, Any] = {"security": [{"Token": []}, {"StreamTicket": []}]}


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

TICKET_SCHEME = {
    "type": "apiKey",
    "in": "query",
    "name": "ticket",
    "description": "A ticket from `POST /api/notifications/stream-ticket`: one stream, within 30 s.",
}

ERROR_ENVELOPE = "ErrorEnvelope"
ERROR_ENVELOPE_SCHEMA: dict[str, Any] = {
    "title": ERROR_ENVELOPE,
    "description": "Every problem as a sentence under `body`; a problem tied to an input field also under "
    "that field's name.",
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "required": ["body"],
            "properties": {"body": {"type": "array", "items": {"type": "string"}}},
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
}

ERROR_DESCRIPTIONS = {
    400: "Malformed request: a body that is not valid JSON, or a URL containing NUL",
    401: "Missing, malformed, expired, forged or revoked token, or a token of no user",
    403: "Not the author",
    404: "No such resource",
    413: "Request body larger than the configured limit",
    415: "Request body that is not application/json",
    422: "Invalid or taken values, each also keyed by its field",
    429: "Too many requests: retry after Retry-After seconds",
    503: "Storage unreachable or too slow right now: retry after Retry-After seconds",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}
_ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Token`", "schema": {"type": "string"}}},
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}


def may_answer(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the error statuses its own rules give, beyond those of its shape."""
    return {status: {"description": ERROR_DESCRIPTIONS[status]} for status in statuses}


def document_api(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            components = schema.setdefault("components", {})
            components.setdefault("securitySchemes", {})["Token"] = TOKEN_SCHEME
            components["securitySchemes"]["StreamTicket"] = TICKET_SCHEME
            schemas = components.setdefault("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            schemas[ERROR_ENVELOPE] = ERROR_ENVELOPE_SCHEMA
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    _document_errors(path, operation)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_errors(path: str, operation: dict[str, Any]) -> None:
    if not path.startswith(API_PREFIX):
        return
    responses: dict[str, Any] = operation["responses"]
    declared = {int(status) for status in responses if int(status) >= 400}
    # FastAPI documents a 422 wherever anything is read; which ones can give it is decided below.
    if responses.get("422", {}).get("description") == "Validation Error":
        del responses["422"]
        declared.discard(422)
    statuses = declared | set(_shaped_errors(operation))
    for status in sorted(statuses):
        response: dict[str, Any] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_ENVELOPE}"}}},
        }
        if status in _ERROR_HEADERS:
            response["headers"] = _ERROR_HEADERS[status]
        responses[str(status)] = response
    operation["responses"] = dict(sorted(responses.items()))


def _shaped_errors(operation: dict[str, Any]) -> list[int]:
    statuses = [400, 503]
    if "requestBody" in operation:
        statuses += [413, 415, 422]
    for parameter in operation.get("parameters", []):
        bounded = any(key in parameter.get("schema", {}) for key in ("minimum", "maximum", "maxLength"))
        if parameter["in"] == "query" or bounded:
            statuses.append(422)
    if any("Token" in requirement for requirement in operation.get("security", [])):
        statuses.append(401)
    return statuses
