"""Which tokens every authenticated route honours: one of a user who exists, with the user's current
security stamp. A new password revokes the others; other changes keep them."""

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from adapters.security.tokens import JwtTokenService
from domain.ids import UserId
from domain.users import FIRST_SECURITY_STAMP
from entrypoints.http.openapi import TOKEN, token_use
from tests.e2e.conftest import JWT_SECRET, Api
from tests.support.fakes import SteppingClock

# A body each route accepts, so what refuses a request is its token and nothing else.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/user"): {"user": {"bio": "x"}},
    ("POST", "/api/articles"): {"article": {"title": "t", "description": "d", "body": "b"}},
    ("PUT", "/api/articles/{slug}"): {"article": {"body": "b2"}},
    ("POST", "/api/articles/{slug}/comments"): {"comment": {"body": "hi"}},
    ("POST", "/api/notifications/read"): {"upTo": 1},
}
# Bodies no route accepts, and a query parameter none does.
INVALID_BODY = b'{"user": 7, "article": [], "comment": null, "upTo": "x"}'


def authenticated_routes(api: Api) -> list[tuple[str, str]]:
    return [
        (method, route.path)
        for route in api.app.routes
        if isinstance(route, APIRoute) and token_use(route) is TOKEN
        for method in sorted(route.methods)
    ]


async def concrete(api: Api, owner: str) -> dict[str, str]:
    """Path parameters that name things that exist, so a route cannot answer 404 before it looks."""
    await api.register("bob")
    article = await api.publish(owner, "Post")
    comment = await api.client.post(
        f"/api/articles/{article['slug']}/comments", json={"comment": {"body": "c"}}, headers=api.auth(owner)
    )
    return {"slug": article["slug"], "username": "bob", "id": str(comment.json()["comment"]["id"])}


def url(path: str, names: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: names[match.group(1)], path)


def never_issued_token(user_id: int) -> str:
    return JwtTokenService(JWT_SECRET, 60, SteppingClock()).issue(UserId(user_id), FIRST_SECURITY_STAMP)


async def test_every_authenticated_route_refuses_a_signed_token_of_no_user(api: Api) -> None:
    alice = await api.register("alice")
    names = await concrete(api, alice)
    routes = authenticated_routes(api)
    assert len(routes) >= 14
    ghost = api.auth(never_issued_token(987_654))
    for method, path in routes:
        body = VALID_BODIES.get((method, path))
        response = await api.client.request(method, url(path, names), json=body, headers=ghost)
        assert response.status_code == 401, f"{method} {path}: {response.status_code} {response.text}"
        assert response.json()["errors"]["body"] == ["user no longer exists"]


async def test_every_authenticated_route_refuses_the_anonymous_before_reading_their_input(api: Api) -> None:
    names = await concrete(api, await api.register("alice"))
    json_headers = {"Content-Type": "application/json"}
    for method, path in authenticated_routes(api):
        target = url(path, names) + "?limit=many&offset=-1"
        for content, headers in ((INVALID_BODY, json_headers), (b"{not json", json_headers), (b"x", {})):
            response = await api.client.request(method, target, content=content, headers=headers)
            assert response.status_code == 401, f"{method} {path}: {response.status_code} {response.text}"
            assert response.headers["www-authenticate"] == "Token"


async def test_an_optional_token_is_still_checked_before_the_query(api: Api) -> None:
    ghost = api.auth(never_issued_token(987_654))
    assert (await api.client.get("/api/articles?limit=many", headers=ghost)).status_code == 401
    assert (await api.client.get("/api/articles?limit=many")).status_code == 422


async def test_a_new_password_revokes_every_earlier_token_and_answers_with_one_that_works(api: Api) -> None:
    first = await api.register("alice")
    login = {"user": {"email": "alice@example.com", "password": "pass-phrase-123"}}
    second = (await api.client.post("/api/users/login", json=login)).json()["user"]["token"]
    changed = await api.client.put(
        "/api/user", json={"user": {"password": "a-new-password"}}, headers=api.auth(first)
    )
    assert changed.status_code == 200
    fresh = changed.json()["user"]["token"]
    assert fresh not in (first, second)
    for revoked in (first, second):
        refused = await api.client.get("/api/user", headers=api.auth(revoked))
        assert refused.status_code == 401
        assert refused.json()["errors"]["body"] == ["token has been revoked"]
        assert (await api.client.get("/api/articles/feed", headers=api.auth(revoked))).status_code == 401
    assert (await api.client.get("/api/user", headers=api.auth(fresh))).json()["user"]["username"] == "alice"


@pytest.mark.parametrize(
    "changes",
    [{"bio": "b"}, {"image": "https://x.io/a.png"}, {"username": "alicia"}, {"email": "a2@example.com"}],
)
async def test_changes_other_than_the_password_keep_the_token(api: Api, changes: dict[str, str]) -> None:
    token = await api.register("alice")
    changed = await api.client.put("/api/user", json={"user": changes}, headers=api.auth(token))
    assert changed.json()["user"]["token"] == token
    assert (await api.client.get("/api/user", headers=api.auth(token))).status_code == 200
