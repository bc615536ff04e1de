"""Conduit's own OpenAPI document says which errors each operation may answer, all in the error envelope,
and states the input limits from the domain's constants."""

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from domain import articles, comments, users
from domain.pagination import MAX_LIMIT, MAX_OFFSET
from domain.text import SEARCH_TERM_MAX_LENGTH
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}
WRITES = {
    ("post", "/api/articles"),
    ("put", "/api/articles/{slug}"),
    ("delete", "/api/articles/{slug}"),
    ("post", "/api/articles/{slug}/favorite"),
    ("delete", "/api/articles/{slug}/favorite"),
    ("post", "/api/articles/{slug}/comments"),
    ("delete", "/api/articles/{slug}/comments/{id}"),
    ("post", "/api/profiles/{username}/follow"),
    ("delete", "/api/profiles/{username}/follow"),
}
OWNED = {
    ("put", "/api/articles/{slug}"),
    ("delete", "/api/articles/{slug}"),
    ("delete", "/api/articles/{slug}/comments/{id}"),
}


@cache
def document() -> dict[str, Any]:
    settings = Settings(_env_file=None, data_dir=Path("/nonexistent"), jwt_secret="x" * 32)  # type: ignore[call-arg]
    return create_app(build_container(settings, memory=True)).openapi()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in document()["paths"].items()
        if path.startswith("/api")
        for method, operation in methods.items()
    ]


def errors_of(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"] if int(status) >= 400}


@pytest.mark.parametrize(("method", "path", "operation"), operations(), ids=lambda x: str(x)[:40])
def test_every_error_is_documented_in_the_envelope(method: str, path: str, operation: dict[str, Any]) -> None:
    found = errors_of(operation)
    assert {400, 503} <= found
    for status in found:
        assert operation["responses"][str(status)]["content"]["application/json"]["schema"] == ENVELOPE
    takes_token = any("Token" in requirement for requirement in operation.get("security", []))
    assert (401 in found) == (takes_token or path == "/api/users/login")
    capped = path in ("/api/users/login", "/api/notifications/stream")  # failed logins; streams per user
    assert (429 in found) == ((method, path) in WRITES or capped)
    assert (403 in found) == ((method, path) in OWNED)
    body_errors = {413, 415, 422} if "requestBody" in operation else set()
    assert body_errors <= found
    assert (413 in found) == bool(body_errors)
    if 429 in found:
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_fastapis_validation_error_schema_is_gone() -> None:
    assert "HTTPValidationError" not in str(document())


def schema_of(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = document()["components"]["schemas"][name]["properties"]
    return properties


def test_limits_come_from_the_domain() -> None:
    new_user, article = schema_of("NewUserIn"), schema_of("NewArticleFieldsIn")
    assert new_user["username"]["maxLength"] == users.USERNAME_MAX_LENGTH
    assert new_user["username"]["pattern"] == users.USERNAME_PATTERN
    assert new_user["email"]["pattern"] == users.EMAIL_PATTERN
    assert new_user["password"]["minLength"] == users.PASSWORD_MIN_LENGTH
    assert len(("\U0010ffff" * new_user["password"]["maxLength"]).encode()) <= users.PASSWORD_MAX_BYTES
    assert schema_of("UserChangesIn")["bio"]["maxLength"] == users.BIO_MAX_LENGTH
    assert schema_of("UserChangesIn")["image"]["maxLength"] == users.IMAGE_URL_MAX_LENGTH
    assert article["title"]["maxLength"] == articles.TITLE_MAX_LENGTH
    assert article["description"]["maxLength"] == articles.DESCRIPTION_MAX_LENGTH
    assert article["body"]["maxLength"] == articles.BODY_MAX_LENGTH
    assert article["tagList"]["maxItems"] == articles.TAGS_MAX_COUNT
    assert article["tagList"]["items"]["maxLength"] == articles.TAG_MAX_LENGTH
    assert schema_of("NewCommentFieldsIn")["body"]["maxLength"] == comments.BODY_MAX_LENGTH
    parameters = {p["name"]: p["schema"] for p in document()["paths"]["/api/articles"]["get"]["parameters"]}
    assert parameters["limit"]["maximum"] == MAX_LIMIT
    assert parameters["offset"]["maximum"] == MAX_OFFSET
    assert parameters["tag"]["maxLength"] == SEARCH_TERM_MAX_LENGTH
