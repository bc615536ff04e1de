"""Responses are serialised straight from views; the documented schemas must describe them exactly."""

import pytest
from pydantic import BaseModel

from entrypoints.http.schemas import (
    ArticleEnvelope,
    ArticleListOut,
    CommentEnvelope,
    CommentListOut,
    NotificationListOut,
    ProfileEnvelope,
    TagsOut,
    UserEnvelope,
)
from tests.e2e.conftest import Api


@pytest.fixture
async def tokens(api: Api) -> tuple[str, str]:
    alice, bob = await api.register("alice"), await api.register("bob")
    await api.publish(alice, "Post", tagList=["one", "two"])
    await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": "hi"}}, headers=api.auth(bob)
    )
    await api.client.post("/api/profiles/alice/follow", headers=api.auth(bob))
    return alice, bob


@pytest.mark.parametrize(
    ("method", "path", "schema", "as_user"),
    [
        ("get", "/api/articles", ArticleListOut, None),
        ("get", "/api/articles?tag=one", ArticleListOut, "bob"),
        ("get", "/api/articles/feed", ArticleListOut, "bob"),
        ("get", "/api/articles/post", ArticleEnvelope, "bob"),
        ("post", "/api/articles/post/favorite", ArticleEnvelope, "bob"),
        ("get", "/api/articles/post/comments", CommentListOut, "alice"),
        ("get", "/api/profiles/alice", ProfileEnvelope, "bob"),
        ("post", "/api/profiles/bob/follow", ProfileEnvelope, "alice"),
        ("get", "/api/tags", TagsOut, None),
        ("get", "/api/user", UserEnvelope, "alice"),
        ("get", "/api/notifications", NotificationListOut, "alice"),
    ],
)
async def test_bodies_match_their_documented_schema_exactly(
    api: Api, tokens: tuple[str, str], method: str, path: str, schema: type[BaseModel], as_user: str | None
) -> None:
    headers = {} if as_user is None else api.auth(tokens[0] if as_user == "alice" else tokens[1])
    response = await api.client.request(method, path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    schema.model_validate_json(response.content)  # extra="forbid": no undocumented or missing field


async def test_a_new_comment_matches_its_schema(api: Api, tokens: tuple[str, str]) -> None:
    response = await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": "again"}}, headers=api.auth(tokens[1])
    )
    CommentEnvelope.model_validate_json(response.content)
    assert response.json()["comment"]["body"] == "again"
