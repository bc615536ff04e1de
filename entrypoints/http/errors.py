"""Where failures become HTTP responses, all in the RealWorld envelope, which always has ``body`` (the
official schema requires it): ``{"errors": {"body": ["username has already been taken"], "username":
["has already been taken"]}}``. ``body`` says every problem as a sentence, for a client to show as it is;
a problem tied to an input field is also listed under that field's name, for a form to mark it. A bug
(any other exception) is answered by the edge middleware, inside which these handlers run."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from application.errors import (
    AlreadyExists,
    AuthenticationFailed,
    BrokerUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
)
from domain.errors import InvalidInput, NotAuthor
from entrypoints.http.deps import viewer, viewer_id
from entrypoints.http.openapi import TOKEN, TOKEN_OPTIONAL, token_use
from entrypoints.metrics import SPENT_BUDGET

log = structlog.get_logger("conduit.errors")


def error_response(
    status: int,
    problems: Mapping[str, Sequence[str]],
    headers: Mapping[str, str] | None = None,
    *,
    general: Sequence[str] = (),
) -> JSONResponse:
    """``problems`` by input field; ``general`` ones, already sentences, tied to none."""
    said = [*general, *(f"{field} {message}" for field, messages in problems.items() for message in messages)]
    # An input field named "body" (an article's, a comment's) is said in the sentences alone.
    errors = {"body": said} | {
        field: list(messages) for field, messages in problems.items() if field != "body"
    }
    return JSONResponse({"errors": errors}, status_code=status, headers=headers)


def body_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return error_response(status, {}, headers, general=[message])


async def _invalid_input(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    return error_response(422, exc.problems)


async def _already_exists(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AlreadyExists)
    return error_response(422, {exc.field: ["has already been taken"]})


async def _authentication_failed(_: Request, exc: Exception) -> JSONResponse:
    return body_error(401, str(exc) or "authentication required", {"WWW-Authenticate": "Token"})


async def _permission_denied(_: Request, exc: Exception) -> JSONResponse:
    return body_error(403, str(exc) or "forbidden")


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    request.scope[SPENT_BUDGET] = exc.budget  # for the edge's metrics, which see only the status
    return body_error(429, str(exc), {"Retry-After": str(exc.retry_after)})


async def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return body_error(404, str(exc))


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return body_error(exc.status_code, detail.lower() if detail[:1].isupper() else detail, headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette's 405 names only the first route's),
    HEAD wherever GET is (the edge middleware answers it)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Who is asking comes before what they asked: a caller who may not call a route learns nothing of
    # its parameters. Only a request FastAPI refused gets here, so a valid one pays nothing for this.
    refused = await _not_honoured(request)
    if refused is not None:
        return await _authentication_failed(request, refused)
    errors = list(exc.errors())
    if any(error["type"] == "json_invalid" for error in errors):
        return body_error(400, "request body is not valid JSON")
    if any(_is_unparsed_body(error) for error in errors):
        return body_error(415, "request body must be JSON (Content-Type: application/json)")
    return error_response(422, _field_problems(errors))


async def _not_honoured(request: Request) -> AuthenticationFailed | None:
    use = token_use(request.scope.get("route"))
    try:
        if use is TOKEN:
            await viewer(request)
        elif use is TOKEN_OPTIONAL:
            await viewer_id(request)
    except AuthenticationFailed as failed:
        return failed
    return None


async def _storage_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # A database (or, for the notification streams, broker) outage is not the client's fault, nor a bug:
    # 503 tells clients and balancers to retry.
    what = "broker" if isinstance(exc, BrokerUnavailable) else "storage"
    log.warning(f"{what} unavailable", method=request.method, path=request.url.path, error=str(exc))
    return body_error(503, "service temporarily unavailable, retry shortly", {"Retry-After": "1"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(AlreadyExists, _already_exists)
    app.add_exception_handler(AuthenticationFailed, _authentication_failed)
    app.add_exception_handler(PermissionDenied, _permission_denied)
    app.add_exception_handler(NotAuthor, _permission_denied)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StorageUnavailable, _storage_unavailable)
    app.add_exception_handler(BrokerUnavailable, _storage_unavailable)


def _is_unparsed_body(error: Mapping[str, Any]) -> bool:
    """FastAPI leaves a body it could not read as JSON as raw bytes; the model then rejects the bytes."""
    return isinstance(error.get("input"), bytes | bytearray)


def _field_problems(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for error in errors:
        problems.setdefault(_field(error["loc"]), []).append(_message(error))
    return problems


def _field(loc: Sequence[str | int]) -> str:
    """``("body", "user", "email")`` -> ``email``, ``("query", "limit")`` -> ``limit``, else ``body``."""
    names = [str(part) for part in loc[1:] if isinstance(part, str)]
    return names[-1] if names else "body"


_MESSAGES = {
    "missing": "can't be blank",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    context = error.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"must be greater than or equal to {context.get('ge')}"
    if kind == "less_than_equal":
        return f"must be less than or equal to {context.get('le')}"
    message = str(error.get("msg", "is invalid"))
    return message[:1].lower() + message[1:]
