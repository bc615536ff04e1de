"""Accounts over HTTP, as the RealWorld spec describes them, plus the bad inputs a real client sends."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import jwt
import pytest

from adapters.security.tokens import JwtTokenService
from domain.ids import UserId
from domain.users import FIRST_SECURITY_STAMP
from tests.e2e.conftest import JWT_SECRET, Api, errors, fields_of
from tests.support.fakes import SteppingClock


def new_user(name: str, **fields: object) -> dict[str, object]:
    return {
        "user": {"username": name, "email": f"{name}@example.com", "password": "pass-phrase-123", **fields}
    }


async def test_register_log_in_read_and_update(api: Api) -> None:
    registered = await api.client.post("/api/users", json=new_user("alice"))
    assert registered.status_code == 201
    user = registered.json()["user"]
    assert {k: user[k] for k in ("username", "email", "bio", "image")} == {
        "username": "alice",
        "email": "alice@example.com",
        "bio": "",
        "image": "",
    }

    login = await api.client.post(
        "/api/users/login", json={"user": {"email": "ALICE@example.com", "password": "pass-phrase-123"}}
    )
    assert login.status_code == 200
    token = login.json()["user"]["token"]

    current = await api.client.get("/api/user", headers=api.auth(token))
    assert current.status_code == 200
    assert current.json()["user"]["username"] == "alice"
    assert current.json()["user"]["token"] == token

    changes = {"user": {"bio": "I like tea", "image": "https://example.com/a.png", "username": "alicia"}}
    updated = await api.client.put("/api/user", json=changes, headers=api.auth(token))
    assert updated.status_code == 200
    assert {k: updated.json()["user"][k] for k in ("username", "bio", "image")} == {
        "username": "alicia",
        "bio": "I like tea",
        "image": "https://example.com/a.png",
    }
    # The token names the user by id: it survives the rename.
    again = await api.client.get("/api/user", headers=api.auth(token, "Bearer"))
    assert again.json()["user"]["username"] == "alicia"


async def test_password_change_takes_effect(api: Api) -> None:
    token = await api.register("alice")
    response = await api.client.put(
        "/api/user", json={"user": {"password": "new-password"}}, headers=api.auth(token)
    )
    assert response.status_code == 200
    old = await api.client.post(
        "/api/users/login", json={"user": {"email": "alice@example.com", "password": "pass-phrase-123"}}
    )
    new = await api.client.post(
        "/api/users/login", json={"user": {"email": "alice@example.com", "password": "new-password"}}
    )
    assert (old.status_code, new.status_code) == (401, 200)


async def test_image_null_or_empty_removes_it_and_other_nulls_change_nothing(api: Api) -> None:
    token = await api.register("alice")
    await api.client.put(
        "/api/user", json={"user": {"image": "https://example.com/a.png"}}, headers=api.auth(token)
    )
    kept = await api.client.put(
        "/api/user", json={"user": {"bio": None, "email": None}}, headers=api.auth(token)
    )
    assert kept.json()["user"]["image"] == "https://example.com/a.png"
    assert kept.json()["user"]["email"] == "alice@example.com"
    removed = await api.client.put("/api/user", json={"user": {"image": None}}, headers=api.auth(token))
    assert removed.json()["user"]["image"] == ""


@pytest.mark.parametrize(
    ("second", "field"),
    [
        (new_user("ALICE", email="other@example.com"), "username"),
        (new_user("bob", email="Alice@Example.com"), "email"),
    ],
)
async def test_taken_username_or_email_is_422_keyed_by_field(
    api: Api, second: dict[str, object], field: str
) -> None:
    await api.register("alice")
    response = await api.client.post("/api/users", json=second)
    assert response.status_code == 422
    assert response.json() == errors({field: ["has already been taken"]})


async def test_taken_username_on_update_is_422(api: Api) -> None:
    await api.register("alice")
    token = await api.register("bob")
    response = await api.client.put(
        "/api/user", json={"user": {"username": "alice"}}, headers=api.auth(token)
    )
    assert response.status_code == 422
    assert response.json() == errors({"username": ["has already been taken"]})


@pytest.mark.postgres
@pytest.mark.parametrize("api", ["postgres"], indirect=True)  # PostgreSQL's unique index settles the race
async def test_racing_registrations_get_one_201_and_field_keyed_422s(api: Api) -> None:
    responses = await asyncio.gather(
        *(api.client.post("/api/users", json=new_user("racer", email=f"r{i}@example.com")) for i in range(8))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * 7
    assert all(
        r.json() == errors({"username": ["has already been taken"]})
        for r in responses
        if r.status_code == 422
    )


async def test_wrong_password_and_unknown_email_get_the_same_401(api: Api) -> None:
    await api.register("alice")
    wrong = await api.client.post(
        "/api/users/login", json={"user": {"email": "alice@example.com", "password": "nope-nope"}}
    )
    unknown = await api.client.post(
        "/api/users/login", json={"user": {"email": "bob@example.com", "password": "pass-phrase-123"}}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == errors(None, "email or password is invalid")


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (
            {"user": {}},
            {"username": ["can't be blank"], "email": ["can't be blank"], "password": ["can't be blank"]},
        ),
        ({}, {"user": ["can't be blank"]}),
        (new_user("", email="x@example.com"), {"username": ["can't be blank"]}),
        (new_user("alice", email="not-an-email"), {"email": ["is invalid"]}),
        (new_user("alice", password="short"), {"password": ["is too short (minimum is 8 characters)"]}),
        (new_user("alice", password="x" * 1025), {"password": ["is too long (maximum is 1024 bytes)"]}),
        (new_user("a" * 65), {"username": ["is too long (maximum is 64 characters)"]}),
        (new_user("nul\u0000byte", email="x@example.com"), {"username": ["must not contain NUL characters"]}),
        (new_user(12345), {"username": ["must be a string"]}),
        (new_user(10**400), {"username": ["must be a string"]}),
        ({"user": "alice"}, {"user": ["must be an object"]}),
    ],
    ids=[
        "empty-user",
        "no-user",
        "blank",
        "bad-email",
        "short-pw",
        "long-pw",
        "long-name",
        "nul",
        "number",
        "huge-number",
        "not-object",
    ],
)
async def test_invalid_registration_is_422_keyed_by_field(
    api: Api, body: object, problems: dict[str, list[str]]
) -> None:
    response = await api.client.post("/api/users", json=body)
    assert response.status_code == 422
    assert response.json() == errors(problems)


async def test_invalid_update_is_422_and_changes_nothing(api: Api) -> None:
    token = await api.register("alice")
    response = await api.client.put(
        "/api/user",
        json={"user": {"bio": "x" * 4097, "image": "javascript:alert(1)", "email": "nope"}},
        headers=api.auth(token),
    )
    assert response.status_code == 422
    assert set(fields_of(response)) == {"bio", "image", "email"}
    current = await api.client.get("/api/user", headers=api.auth(token))
    assert current.json()["user"]["bio"] == ""


def token_for(user_id: int, *, expired: bool = False) -> str:
    clock = SteppingClock()
    if expired:
        clock.current -= timedelta(days=30)
    return JwtTokenService(JWT_SECRET, 60, clock).issue(UserId(user_id), FIRST_SECURITY_STAMP)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Token",
        "Token ",
        "Basic dXNlcjpwYXNz",
        "Token not-a-jwt",
        "Token " + jwt.encode({"sub": "1", "iat": 0, "exp": 4102444800}, key=None, algorithm="none"),
        "Token "
        + jwt.encode(
            {"sub": "1", "iat": 0, "exp": 4102444800},
            "another-secret-of-sufficient-length!!",
            algorithm="HS256",
        ),
        "Token " + token_for(1, expired=True),
        "Token " + token_for(987654),
    ],
    ids=[
        "missing",
        "empty",
        "no-token",
        "blank-token",
        "basic",
        "garbage",
        "alg-none",
        "other-key",
        "expired",
        "unknown-user",
    ],
)
async def test_current_user_needs_a_valid_token_of_an_existing_user(
    api: Api, authorization: str | None
) -> None:
    await api.register("alice")  # user 1 exists; the forged and expired tokens name it
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await api.client.get("/api/user", headers=headers)
    assert response.status_code == 401
    assert fields_of(response) == []
    assert response.headers["www-authenticate"] == "Token"


async def test_update_by_a_deleted_or_unknown_user_is_401(api: Api) -> None:
    response = await api.client.put(
        "/api/user", json={"user": {"bio": "x"}}, headers={"Authorization": "Token " + token_for(424242)}
    )
    assert response.status_code == 401


async def test_malformed_json_is_400(api: Api) -> None:
    response = await api.client.post(
        "/api/users", content=b'{"user": {"username": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == errors(None, "request body is not valid JSON")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_a_body_that_is_not_json_is_415(api: Api, content_type: str) -> None:
    response = await api.client.post(
        "/api/users", content=b'{"user": {}}', headers={"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert response.json()["errors"]["body"][0].startswith("request body must be JSON")


async def test_body_over_the_limit_is_413(api: Api) -> None:
    huge = new_user("alice", bio="x" * (70 * 1024))
    response = await api.client.post("/api/users", json=huge)
    assert response.status_code == 413
    assert fields_of(response) == []


async def test_unknown_route_and_wrong_method_answer_in_the_error_envelope(api: Api) -> None:
    missing = await api.client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == errors(None, "not found")
    wrong_method = await api.client.delete("/api/users")
    assert wrong_method.status_code == 405
    assert fields_of(wrong_method) == []


async def test_chunked_body_over_the_limit_is_413(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"user": {"bio": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}}'

    response = await api.client.post(
        "/api/users", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"]["body"][0].startswith("request body is too large")


async def test_repeated_failed_logins_are_throttled_with_retry_after(api: Api) -> None:
    await api.register("alice")
    await api.register("bob")
    wrong = {"user": {"email": "alice@example.com", "password": "not-the-password"}}
    for _ in range(api.container.settings().login_failures_per_account):
        assert (await api.client.post("/api/users/login", json=wrong)).status_code == 401
    right = {"user": {"email": "alice@example.com", "password": "pass-phrase-123"}}
    throttled = await api.client.post("/api/users/login", json=right)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= api.container.settings().login_throttle_seconds
    assert throttled.json()["errors"]["body"][0].startswith("too many failed logins; try again in ")
    other = {"user": {"email": "bob@example.com", "password": "pass-phrase-123"}}
    assert (await api.client.post("/api/users/login", json=other)).status_code == 200


async def test_a_common_password_is_refused_at_registration_and_as_a_change(api: Api) -> None:
    body = {"user": {"username": "alice", "email": "alice@example.com", "password": "iloveyou2"}}
    refused = await api.client.post("/api/users", json=body)
    assert refused.status_code == 422
    assert refused.json() == errors({"password": ["is too common or too easy to guess; choose another"]})
    token = await api.register("alice")
    change = await api.client.put(
        "/api/user", json={"user": {"password": "P@ssw0rd"}}, headers=api.auth(token)
    )
    assert change.status_code == 422
    assert fields_of(change) == ["password"]


async def test_a_fullwidth_twin_of_a_username_is_taken_and_finds_its_profile(api: Api) -> None:
    await api.register("stuser")
    twin = "\uff53\uff54\uff55\uff53\uff45\uff52"
    body = {"user": {"username": twin, "email": "twin@example.com", "password": "pass-phrase-1"}}
    refused = await api.client.post("/api/users", json=body)
    assert refused.status_code == 422
    assert refused.json() == errors({"username": ["has already been taken"]})
    found = await api.client.get(f"/api/profiles/{twin}")
    assert found.json()["profile"]["username"] == "stuser"


async def test_a_username_of_dots_is_refused(api: Api) -> None:
    body = {"user": {"username": "..", "email": "dots@example.com", "password": "pass-phrase-1"}}
    refused = await api.client.post("/api/users", json=body)
    assert refused.status_code == 422
    assert refused.json() == errors({"username": ["must contain a letter or a digit"]})


async def test_a_username_mixing_look_alike_scripts_is_refused_and_one_script_is_not(api: Api) -> None:
    token = await api.register("paypal")
    spoof = "p\u0430ypal"  # the first "a" is CYRILLIC SMALL LETTER A
    body = {"user": {"username": spoof, "email": "spoof@example.com", "password": "pass-phrase-1"}}
    refused = await api.client.post("/api/users", json=body)
    assert refused.status_code == 422
    assert refused.json() == errors({"username": ["must not mix look-alike letters of different scripts"]})
    renamed = await api.client.put("/api/user", json={"user": {"username": spoof}}, headers=api.auth(token))
    assert renamed.status_code == 422
    greek = {"user": {"username": "\u0395\u03bb\u03bb\u03b7\u03bd\u03b1\u03c2", "email": "g@example.com"}}
    accepted = await api.client.post(
        "/api/users", json={"user": {**greek["user"], "password": "pass-phrase-1"}}
    )
    assert accepted.status_code == 201, accepted.text
