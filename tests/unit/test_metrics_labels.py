"""The HTTP metrics' labels: a route's template, never the path a caller sent; ``unmatched`` where no
route matched; a fixed set of methods; and which budget a 429 spent."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from prometheus_client import generate_latest

from application.throttling import WriteLimit
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.metrics.edge import exposed, method_label, route_label
from entrypoints.settings import Settings
from tests.support.fakes import FakePasswordHasher


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        jwt_secret="unit-test-secret-that-is-long-enough-for-hs256",
        access_log=False,
    )
    container = build_container(settings, memory=True)
    container.password_hasher.override(providers.Object(FakePasswordHasher()))
    container.write_limit.override(providers.Object(WriteLimit(per_minute=1, burst=1)))
    app = create_app(container)
    async with app.router.lifespan_context(app):
        yield app


async def exposition(app: FastAPI, *requests: tuple[str, str, dict[str, object] | None]) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://conduit") as client:
        register = {"user": {"username": "alice", "email": "alice@example.com", "password": "pass-phrase-1"}}
        token = (await client.post("/api/users", json=register)).json()["user"]["token"]
        for method, path, body in requests:
            await client.request(method, path, json=body, headers={"Authorization": f"Token {token}"})
    app.state.metrics.sample()  # as the lifespan's sampler does every second
    return generate_latest(exposed(app.state.metrics.registry)).decode()  # type: ignore[arg-type]


def requests_counted(text: str, method: str, route: str, status: int) -> float:
    prefix = (
        f'conduit_http_request_duration_seconds_count{{method="{method}",route="{route}",status="{status}"}} '
    )
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return float(lines[0].removeprefix(prefix)) if lines else 0.0


async def test_a_route_is_labelled_by_its_template_and_the_path_is_nowhere(app: FastAPI) -> None:
    article = {"article": {"title": "A secret title", "description": "d", "body": "b"}}
    text = await exposition(
        app,
        ("POST", "/api/articles", article),
        ("GET", "/api/articles/a-secret-title", None),
        ("GET", "/api/articles/a-secret-title", None),
        ("GET", "/api/profiles/alice", None),
        ("HEAD", "/api/articles/a-secret-title", None),
    )
    assert requests_counted(text, "GET", "/api/articles/{slug}", 200) == 2
    assert requests_counted(text, "HEAD", "/api/articles/{slug}", 200) == 1
    assert requests_counted(text, "GET", "/api/profiles/{username}", 200) == 1
    assert requests_counted(text, "POST", "/api/articles", 201) == 1
    assert 'conduit_http_request_duration_seconds_count{method="GET",route="/api/articles/{slug}"' in text
    for personal in ("a-secret-title", "alice", "example.com"):
        assert personal not in text


async def test_no_route_and_odd_methods_have_fixed_labels(app: FastAPI) -> None:
    text = await exposition(app, ("GET", "/api/no-such-thing/alice", None), ("BREW", "/api/tags", None))
    assert requests_counted(text, "GET", "unmatched", 404) == 1
    assert requests_counted(text, "other", "/api/tags", 405) == 1
    assert "BREW" not in text
    assert "alice" not in text


async def test_a_spent_budget_is_counted_by_name(app: FastAPI) -> None:
    article = {"article": {"title": "One", "description": "d", "body": "b"}}
    again = {"article": {"title": "Two", "description": "d", "body": "b"}}
    text = await exposition(app, ("POST", "/api/articles", article), ("POST", "/api/articles", again))
    assert requests_counted(text, "POST", "/api/articles", 429) == 1
    assert 'conduit_http_throttled_requests_total{budget="writes"} 1.0' in text


def test_the_label_functions_alone() -> None:
    assert route_label({}) == "unmatched"
    assert route_label({"route": object()}) == "unmatched"
    assert method_label("DELETE") == "DELETE"
    assert method_label("PROPFIND") == "other"
