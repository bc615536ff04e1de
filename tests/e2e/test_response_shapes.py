"""Every body the API serves is exactly what its OpenAPI document says, field for field: the document and
the serializer come from one declaration (entrypoints/http/rendering.py), and this proves they agree."""

import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.e2e.conftest import Api

WIRE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


@pytest.fixture
async def tokens(api: Api) -> tuple[str, str]:
    alice, bob = await api.register("alice"), await api.register("bob")
    await api.publish(alice, "Post", tagList=["one", "two"])
    await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": "hi"}}, headers=api.auth(bob)
    )
    await api.client.post("/api/profiles/alice/follow", headers=api.auth(bob))
    return alice, bob


def strict(schema: Any) -> Any:
    """``schema`` with no field left undocumented and none left out: every object closed, every property
    required."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: strict(value) for key, value in schema.items()}
    if "properties" in closed:
        closed["additionalProperties"] = False
        closed["required"] = sorted(closed["properties"])
    return closed


async def documented_schema(api: Api, method: str, template: str, status: int) -> dict[str, Any]:
    document = (await api.client.get("/openapi.json")).json()
    operation = document["paths"][template][method]
    content = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**content, "components": strict(document["components"])}


async def check(api: Api, response: httpx.Response, template: str, status: int = 200) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    schema = await documented_schema(api, response.request.method.lower(), template, status)
    body = response.json()
    errors = [
        e.message for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(body)
    ]
    assert not errors, errors
    times = re.findall(r'"(?:createdAt|updatedAt)":"([^"]*)"', response.text)
    assert all(WIRE_TIME.fullmatch(moment) for moment in times), times


@pytest.mark.parametrize(
    ("method", "path", "template", "as_user"),
    [
        ("get", "/api/articles", "/api/articles", None),
        ("get", "/api/articles?tag=one", "/api/articles", "bob"),
        ("get", "/api/articles/feed", "/api/articles/feed", "bob"),
        ("get", "/api/articles/post", "/api/articles/{slug}", "bob"),
        ("post", "/api/articles/post/favorite", "/api/articles/{slug}/favorite", "bob"),
        ("get", "/api/articles/post/comments", "/api/articles/{slug}/comments", "alice"),
        ("get", "/api/profiles/alice", "/api/profiles/{username}", "bob"),
        ("post", "/api/profiles/bob/follow", "/api/profiles/{username}/follow", "alice"),
        ("get", "/api/tags", "/api/tags", None),
        ("get", "/api/user", "/api/user", "alice"),
        ("get", "/api/notifications", "/api/notifications", "alice"),
    ],
)
async def test_bodies_are_exactly_their_documented_schema(
    api: Api, tokens: tuple[str, str], method: str, path: str, template: str, as_user: str | None
) -> None:
    headers = {} if as_user is None else api.auth(tokens[0] if as_user == "alice" else tokens[1])
    await check(api, await api.client.request(method, path, headers=headers), template)


async def test_new_resources_are_exactly_their_documented_schema(api: Api, tokens: tuple[str, str]) -> None:
    comment = await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": "again"}}, headers=api.auth(tokens[1])
    )
    await check(api, comment, "/api/articles/{slug}/comments")
    article = {"title": "Another", "description": "d", "body": "b"}
    published = await api.client.post("/api/articles", json={"article": article}, headers=api.auth(tokens[0]))
    await check(api, published, "/api/articles", status=201)
    user = {"username": "carol", "email": "carol@example.com", "password": "pass-phrase-123"}
    await check(api, await api.client.post("/api/users", json={"user": user}), "/api/users", status=201)


def test_the_strict_schema_refuses_an_undocumented_and_a_missing_field() -> None:
    schema = strict({"properties": {"a": {"type": "integer"}}})
    assert list(Draft202012Validator(schema).iter_errors({"a": 1})) == []
    assert list(Draft202012Validator(schema).iter_errors({"a": 1, "b": 2}))
    assert list(Draft202012Validator(schema).iter_errors({}))
