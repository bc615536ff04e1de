"""Input that no store can hold is refused at the edge with a 422 keyed by its field, never a 5xx.

A lone UTF-16 surrogate is the case in point: JSON can carry one ("\\ud800"), PostgreSQL cannot store it
and Argon2 cannot hash it. URLs cannot carry one (percent-decoding replaces invalid UTF-8)."""

import json
from typing import Any

import pytest

from tests.e2e.conftest import Api

LONE = "x\ud800y"


def with_lone_surrogate(fields: dict[str, Any], field: str) -> dict[str, Any]:
    value = fields[field]
    return {**fields, field: [LONE] if isinstance(value, list) else LONE}


USER = {"username": "mallory", "email": "mallory@example.com", "password": "pass-phrase-123"}
CHANGES = {
    "username": "m2",
    "email": "m2@example.com",
    "password": "password456",
    "bio": "b",
    "image": "https://x.io/a.png",
}
ARTICLE = {"title": "t", "description": "d", "body": "b", "tagList": ["a"]}

CASES = [
    *(("POST", "/api/users", "user", USER, field) for field in USER),
    *(
        ("POST", "/api/users/login", "user", {"email": "a@example.com", "password": "pass-phrase-123"}, field)
        for field in ("email", "password")
    ),
    *(("PUT", "/api/user", "user", CHANGES, field) for field in CHANGES),
    *(("POST", "/api/articles", "article", ARTICLE, field) for field in ARTICLE),
    *(("PUT", "/api/articles/post", "article", ARTICLE, field) for field in ARTICLE),
    ("POST", "/api/articles/post/comments", "comment", {"body": "hi"}, "body"),
]


@pytest.mark.parametrize(
    ("method", "path", "envelope", "fields", "field"), CASES, ids=[f"{c[0]} {c[1]} {c[4]}" for c in CASES]
)
async def test_a_lone_surrogate_in_any_text_field_is_a_422_for_that_field(
    api: Api, method: str, path: str, envelope: str, fields: dict[str, Any], field: str
) -> None:
    token = await api.register("alice")
    await api.publish(token, "Post")
    # json.dumps writes the surrogate as the escape "\ud800", as a hostile client would send it.
    body = json.dumps({envelope: with_lone_surrogate(fields, field)}).encode()
    headers = api.auth(token) | {"Content-Type": "application/json"}
    response = await api.client.request(method, path, content=body, headers=headers)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert f"{field} must not contain unpaired surrogates" in errors["body"]
    if field != "body":
        assert errors[field] == ["must not contain unpaired surrogates"]


async def test_invalid_utf8_in_a_url_is_read_as_replacement_characters(api: Api) -> None:
    assert (await api.client.get("/api/articles?tag=%ED%A0%80&author=%FF")).status_code == 200
    assert (await api.client.get("/api/profiles/%ED%A0%80")).status_code == 404
    assert (await api.client.get("/api/articles/%ED%A0%80/comments")).status_code == 404
