"""What the HTTP edge promises every route: HEAD wherever GET is, a 405 naming every method a path serves,
and no cache keeping a response that carries a token."""

import pytest
from fastapi.routing import APIRoute

from tests.e2e.conftest import Api

SAMPLES = {"{slug}": "post", "{username}": "alice", "{id}": "1"}


@pytest.fixture
async def token(api: Api) -> str:
    alice = await api.register("alice")
    await api.publish(alice, "Post")
    return alice


def get_paths(api: Api) -> list[str]:
    paths = []
    for route in api.app.router.routes:
        # The notification stream's GET never ends by itself (test_notification_stream.py has its HEAD).
        if isinstance(route, APIRoute) and "GET" in route.methods and not route.path.endswith("/stream"):
            path = route.path
            for placeholder, value in SAMPLES.items():
                path = path.replace(placeholder, value)
            paths.append(path)
    return paths


async def test_every_get_route_answers_head_with_gets_headers_and_no_body(api: Api, token: str) -> None:
    paths = get_paths(api)
    assert "/api/articles/post" in paths
    for path in paths:
        got = await api.client.get(path, headers=api.auth(token))
        head = await api.client.head(path, headers=api.auth(token))
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers["content-length"] == got.headers["content-length"], path
        assert head.headers["content-type"] == got.headers["content-type"], path


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/api/user", "GET, HEAD, PUT"),
        ("DELETE", "/api/tags", "GET, HEAD"),
        ("PATCH", "/api/articles/post", "DELETE, GET, HEAD, PUT"),
        ("PUT", "/api/articles/post/favorite", "DELETE, POST"),
    ],
)
async def test_a_405_names_every_method_the_path_serves(
    api: Api, method: str, path: str, allowed: str
) -> None:
    response = await api.client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert "body" in response.json()["errors"]


async def test_responses_that_carry_a_token_are_never_stored(api: Api) -> None:
    user = {"username": "bob", "email": "bob@example.com", "password": "pass-phrase-123"}
    registered = await api.client.post("/api/users", json={"user": user})
    token = registered.json()["user"]["token"]
    login = {"email": "bob@example.com", "password": "pass-phrase-123"}
    for response in (
        registered,
        await api.client.post("/api/users/login", json={"user": login}),
        await api.client.get("/api/user", headers=api.auth(token)),
        await api.client.put("/api/user", json={"user": {"bio": "hi"}}, headers=api.auth(token)),
    ):
        assert response.status_code in (200, 201), response.text
        assert response.headers["cache-control"] == "no-store"
    articles = await api.client.get("/api/articles")
    assert "cache-control" not in articles.headers
