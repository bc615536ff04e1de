"""The HTTP API in-process (httpx over ASGI, lifespan included), on the in-memory twins and on PostgreSQL.

Every response is watched: a 5xx, an error body that leaks internals, or a response a browser may sniff
another type into fails the test that caused it.
"""

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from application.events import ProcessEvents
from entrypoints import migrations, sessions
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.support.database import database_name, fresh_database, truncate_all
from tests.support.inprocess import app_for
from tests.support.live import live_conduit
from tests.support.pgbouncer import through
from tests.support.replica import Standby

JWT_SECRET = "e2e-secret-that-is-at-least-thirty-two-bytes-long"
LEAKS = re.compile(r"Traceback|psycopg|sqlalchemy|SELECT |INSERT |UPDATE |constraint|File \"", re.IGNORECASE)


@dataclass
class Api:
    client: httpx.AsyncClient
    container: Container
    backend: str
    app: FastAPI
    responses: list[httpx.Response] = field(default_factory=list)

    async def register(self, username: str, password: str = "pass-phrase-123") -> str:
        body = {"user": {"username": username, "email": f"{username}@example.com", "password": password}}
        response = await self.client.post("/api/users", json=body)
        assert response.status_code == 201, response.text
        token: str = response.json()["user"]["token"]
        return token

    def auth(self, token: str, scheme: str = "Token") -> dict[str, str]:
        return {"Authorization": f"{scheme} {token}"}

    async def resolve_consumer(self) -> ProcessEvents:
        return self.container.process_events()

    async def publish(
        self, token: str, title: str = "How to train your dragon", **fields: object
    ) -> dict[str, Any]:
        article = {"title": title, "description": "Ever wonder how?", "body": "Very carefully.", **fields}
        response = await self.client.post(
            "/api/articles", json={"article": article}, headers=self.auth(token)
        )
        assert response.status_code == 201, response.text
        published: dict[str, Any] = response.json()["article"]
        return published


def settings_for(tmp_path: Path, database_url: str | None, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # a developer's .env must not change the tests
        database_url=database_url,
        data_dir=tmp_path,
        jwt_secret=JWT_SECRET,
        access_log=False,
        migrate_on_start=False,
        tags_cache_seconds=0,
        **overrides,
    )


@pytest.fixture(scope="session")
def synced_urls(synced_pair: tuple[str, Standby]) -> Iterator[tuple[str, str]]:
    """A database on the primary of a synchronous pair, migrated, and the same database on its standby."""
    primary, standby = synced_pair
    with fresh_database(primary, "e2e") as url:
        migrations.upgrade(url)
        yield url, standby.url(database_name(url))


@pytest.fixture(scope="session")
def pooled_urls(pg_server: str, pgbouncer_port: int) -> Iterator[tuple[str, str]]:
    """A migrated database reached through PgBouncer in transaction mode, and directly; the session
    settings are the pooled role's defaults, as `conduit migrate` leaves them behind a pooler."""
    with fresh_database(pg_server, "e2e_pooled") as direct:
        pooled = through(pgbouncer_port, direct)
        sessions.upgrade(settings_for(Path("."), pooled, direct_database_url=direct), pooled)
        yield pooled, direct


@pytest.fixture(
    params=[
        "memory",
        pytest.param("postgres", marks=pytest.mark.postgres),
        # The pool through PgBouncer in transaction mode, without prepared statements (PgBouncer 1.18).
        pytest.param("pgbouncer", marks=pytest.mark.postgres),
        # Every read of the query ports on a streaming replica, which applies each commit before the
        # COMMIT returns (synchronous_commit = remote_apply): replication lag is test_read_replicas.py's.
        pytest.param("replica", marks=pytest.mark.postgres),
    ]
)
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    memory = request.param == "memory"
    extra: dict[str, Any] = {}
    if request.param == "replica":
        url, replica_url = request.getfixturevalue("synced_urls")
        truncate_all(url)
        extra = {"read_database_url": replica_url}
    elif request.param == "pgbouncer":
        url, direct = request.getfixturevalue("pooled_urls")
        truncate_all(direct)
        extra = {"direct_database_url": direct, "prepare_threshold": None}
    else:
        url = None if memory else request.getfixturevalue("clean_pg")
    container, app = app_for(settings_for(tmp_path, url, max_body_bytes=64 * 1024, **extra), memory=memory)
    api = Api(httpx.AsyncClient(), container, request.param, app)

    async def watch(response: httpx.Response) -> None:
        await response.aread()
        api.responses.append(response)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://conduit", event_hooks={"response": [watch]}
        ) as client,
    ):
        api.client = client
        yield api
    if request.node.get_closest_marker("allow_5xx") is None:
        failures = [
            f"{r.request.method} {r.request.url.path} -> {r.status_code}"
            for r in api.responses
            if r.status_code >= 500
        ]
        assert not failures, f"server errors: {failures}"
    leaks = [r.text for r in api.responses if r.status_code >= 400 and LEAKS.search(r.text)]
    assert not leaks, f"error bodies leak internals: {leaks}"
    sniffable = [
        r.request.url.path for r in api.responses if r.headers.get("x-content-type-options") != "nosniff"
    ]
    assert not sniffable, f"responses without X-Content-Type-Options: nosniff: {sniffable}"


@pytest.fixture
def live_server(pg_server: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real `conduit serve` (uvicorn, one worker) on a fresh database; yields its API URL and log file."""
    with live_conduit(pg_server, tmp_path) as served:
        yield served


def errors(problems: dict[str, list[str]] | None = None, *general: str) -> dict[str, object]:
    """The error body Conduit answers ``problems`` (by input field) and ``general`` ones with: every
    problem said as a sentence under ``body``, and each field's under its own name (an input field named
    "body" only in the sentences)."""
    problems = problems or {}
    said = [*general, *(f"{field} {message}" for field, messages in problems.items() for message in messages)]
    return {"errors": {"body": said} | {field: m for field, m in problems.items() if field != "body"}}


def fields_of(response: httpx.Response) -> list[str]:
    """The input fields an error response names, besides ``body``, which every one has."""
    found = response.json()["errors"]
    assert found["body"], found
    return [field for field in found if field != "body"]
