"""Reads on a real streaming replica (tests/support/replica.py): they go there, writes go to the primary,
a user sees their own writes at once however far the replica lags, other users are served within the
lag bound, and a replica that stops or falls behind leaves rotation without a 5xx and comes back."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client import generate_latest

from adapters.postgres.consistency import COOKIE
from entrypoints import migrations
from tests.e2e.conftest import settings_for
from tests.support.database import database_name, fresh_database
from tests.support.inprocess import app_for
from tests.support.metrics import value
from tests.support.replica import Standby

pytestmark = pytest.mark.postgres

MAX_LAG_MS = 500


@pytest.fixture
def primary_url(pg_server: str) -> Iterator[str]:
    with fresh_database(pg_server, "replicas") as url:
        migrations.upgrade(url)
        yield url


class Conduit:
    """One API process, in-process; ``client()`` is a browser of its own (its own cookies)."""

    def __init__(self, transport: httpx.ASGITransport, app: Any) -> None:
        self.transport, self.app = transport, app
        self.responses: list[httpx.Response] = []

    def client(self) -> httpx.AsyncClient:
        async def watch(response: httpx.Response) -> None:
            await response.aread()
            self.responses.append(response)

        return httpx.AsyncClient(
            transport=self.transport, base_url="http://conduit/api", event_hooks={"response": [watch]}
        )

    def server_errors(self) -> list[str]:
        return [f"{r.request.method} {r.request.url.path}" for r in self.responses if r.status_code >= 500]


@asynccontextmanager
async def conduit(tmp_path: Path, primary: str, replica: str) -> AsyncIterator[Conduit]:
    settings = settings_for(
        tmp_path, primary, read_database_url=replica, replica_max_lag_ms=MAX_LAG_MS, writes_per_minute=0
    )
    _, app = app_for(settings)
    async with app.router.lifespan_context(app):
        served = Conduit(httpx.ASGITransport(app=app, raise_app_exceptions=False), app)
        yield served
    assert not served.server_errors(), served.server_errors()


async def register(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    body = {"user": {"username": name, "email": f"{name}@example.com", "password": "pass-phrase-123"}}
    response = await client.post("/users", json=body)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Token {response.json()['user']['token']}"}


def conduit_queries_on(standby_url: str) -> list[str]:
    """The latest statement of each of Conduit's connections to the standby."""
    with psycopg.connect(standby_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = 'conduit' AND datname = %s",
            [database_name(standby_url)],
        ).fetchall()
    return [row[0] for row in rows]


async def replica_state(client: httpx.AsyncClient) -> str:
    return str((await client.get("http://conduit/readyz")).json()["replicas"][0]["state"])


async def wait_for_state(client: httpx.AsyncClient, state: str, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while (found := await replica_state(client)) != state:
        assert time.monotonic() < deadline, f"the replica stayed {found!r}, never {state!r}"
        await asyncio.sleep(0.05)


async def sampled(api: Conduit, ready: Callable[[str], object], within: float = 5) -> str:
    """The app's own exposition once ``ready`` finds what it looks for (figures are sampled each second)."""
    deadline = time.monotonic() + within
    while not ready(text := generate_latest(api.app.state.metrics.registry).decode()):
        assert time.monotonic() < deadline, text
        await asyncio.sleep(0.1)
    return text


async def test_reads_go_to_the_replica_and_writes_to_the_primary(
    primary_url: str, standby: Standby, tmp_path: Path
) -> None:
    replica_url = standby.url(database_name(primary_url))
    async with conduit(tmp_path, primary_url, replica_url) as api, api.client() as client:
        author = await register(client, "author")
        slug = (
            await client.post(
                "/articles",
                json={"article": {"title": "Replicated", "description": "d", "body": "b"}},
                headers=author,
            )
        ).json()["article"]["slug"]
        standby.caught_up(primary_url)
        await wait_for_state(client, "in rotation")
        async with api.client() as reader:  # no cookie, no account: nothing holds it to the primary
            listed = (await reader.get("/articles")).json()
            assert [a["slug"] for a in listed["articles"]] == [slug]
            assert (await reader.get(f"/articles/{slug}")).status_code == 200
        queries = conduit_queries_on(replica_url)
        assert any("FROM articles" in query for query in queries), queries
        assert not any("INSERT" in query for query in queries), queries
        # The metrics name the replica: in rotation, caught up within the bound, and its pool.
        name = api.app.state.container.replicas().replicas[0].name
        labels = f'{{replica="{name}"}}'
        exposed = await sampled(api, lambda text: value(text, f"conduit_db_replica_pool_connections{labels}"))
        assert value(exposed, f"conduit_db_replica_in_rotation{labels}") == 1
        assert (value(exposed, f"conduit_db_replica_lag_seconds{labels}") or 1) < MAX_LAG_MS / 1000
        assert (value(exposed, f"conduit_db_replica_pool_connections{labels}") or 0) >= 1
        assert value(exposed, f"conduit_db_replica_pool_max_connections{labels}") == 10


async def test_a_user_sees_their_own_writes_at_once_while_replay_is_paused(
    primary_url: str, standby: Standby, tmp_path: Path
) -> None:
    replica_url = standby.url(database_name(primary_url))
    async with conduit(tmp_path, primary_url, replica_url) as api, api.client() as client:
        author = await register(client, "writer")
        other = await register(client, "followed")
        standby.caught_up(primary_url)
        await wait_for_state(client, "in rotation")
        standby.pause_replay()
        article = {"article": {"title": "Fresh", "description": "d", "body": "b", "tagList": ["new"]}}
        slug = (await client.post("/articles", json=article, headers=author)).json()["article"]["slug"]
        seen = await client.get(f"/articles/{slug}", headers=author)
        assert seen.status_code == 200, "the author's next read misses the publish"

        edit = {"article": {"body": "edited"}}
        assert (await client.put(f"/articles/{slug}", json=edit, headers=author)).status_code == 200
        assert (await client.get(f"/articles/{slug}", headers=author)).json()["article"]["body"] == "edited"

        assert (await client.post(f"/articles/{slug}/favorite", headers=author)).status_code == 200
        favorited = (await client.get(f"/articles/{slug}", headers=author)).json()["article"]
        assert favorited["favorited"] is True
        assert favorited["favoritesCount"] == 1

        assert (await client.post("/profiles/followed/follow", headers=author)).status_code == 200
        profile = (await client.get("/profiles/followed", headers=author)).json()["profile"]
        assert profile["following"] is True
        assert (await client.get("/articles?favorited=writer", headers=author)).json()["articlesCount"] == 1

        # Another user, without the author's cookie, is served; once the replica is further behind than
        # the bound, from the primary, so they see the article too.
        await wait_for_state(client, "lagging")
        async with api.client() as stranger:
            response = await stranger.get(f"/articles/{slug}", headers=other)
            assert response.status_code == 200
            assert response.json()["article"]["body"] == "edited"

        standby.resume_replay()
        await wait_for_state(client, "in rotation")
        async with api.client() as stranger:
            assert (await stranger.get(f"/articles/{slug}")).status_code == 200
        assert any("FROM articles" in query for query in conduit_queries_on(replica_url))


async def test_a_write_on_one_process_is_read_on_another_by_its_cookie(
    primary_url: str, standby: Standby, tmp_path: Path
) -> None:
    replica_url = standby.url(database_name(primary_url))
    async with (
        conduit(tmp_path / "one", primary_url, replica_url) as one,
        conduit(tmp_path / "two", primary_url, replica_url) as two,
        one.client() as on_one,
        two.client() as on_two,
    ):
        author = await register(on_one, "traveller")
        standby.caught_up(primary_url)
        await wait_for_state(on_two, "in rotation")
        standby.pause_replay()
        article = {"article": {"title": "Moved", "description": "d", "body": "b"}}
        written = await on_one.post("/articles", json=article, headers=author)
        slug = written.json()["article"]["slug"]
        cookie = written.cookies.get(COOKIE)
        assert cookie, "a write's response carries its position"
        # The same browser, its next request on the other process: the cookie goes with it.
        on_two.cookies.set(COOKIE, cookie)
        assert (await on_two.get(f"/articles/{slug}", headers=author)).status_code == 200
        # Without it, the other process cannot know; within the bound it may serve the replica's view.
        async with two.client() as forgetful:
            assert (await forgetful.get(f"/articles/{slug}", headers=author)).status_code in (200, 404)
        standby.resume_replay()


async def test_a_replica_stopped_under_reads_leaves_rotation_without_a_5xx_and_returns(
    primary_url: str, standby: Standby, tmp_path: Path
) -> None:
    replica_url = standby.url(database_name(primary_url))
    async with conduit(tmp_path, primary_url, replica_url) as api, api.client() as client:
        author = await register(client, "steady")
        article = {"article": {"title": "Always there", "description": "d", "body": "b"}}
        slug = (await client.post("/articles", json=article, headers=author)).json()["article"]["slug"]
        standby.caught_up(primary_url)
        await wait_for_state(client, "in rotation")
        statuses: list[int] = []
        stopping = asyncio.Event()

        async def read() -> None:
            async with api.client() as reader:
                while not stopping.is_set():
                    statuses.append((await reader.get(f"/articles/{slug}")).status_code)

        readers = [asyncio.ensure_future(read()) for _ in range(4)]
        await asyncio.sleep(0.3)
        await asyncio.to_thread(standby.stop)
        await wait_for_state(client, "down")
        await asyncio.sleep(0.3)
        await asyncio.to_thread(standby.start)
        await wait_for_state(client, "in rotation", within=15)
        await asyncio.sleep(0.3)
        stopping.set()
        await asyncio.gather(*readers)
    assert statuses, "no read was answered"
    assert set(statuses) == {200}, sorted(set(statuses))
