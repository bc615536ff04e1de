"""The counters behind list totals stay equal to a recount, whatever mix of writes races them."""

import asyncio
import random

import psycopg
import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.uow import PostgresUnitOfWork
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.lookalike_names import HomoglyphLookalikeNames
from adapters.security.tokens import JwtTokenService
from application.articles import (
    DeleteArticle,
    EditArticle,
    FavoriteArticle,
    PublishArticle,
    UnfavoriteArticle,
)
from application.errors import NotFound
from application.users import RegisterUser
from domain.ids import Slug
from domain.users import User
from tests.support.fakes import FakePasswordHasher, SteppingClock

pytestmark = pytest.mark.postgres

# Each column counts the rows whose stored counter differs from a recount (the last: total minus rows).
RECOUNT = """
SELECT
  (SELECT count(*) FROM articles a
   WHERE a.favorites_count <> (SELECT count(*) FROM favorites f WHERE f.article_id = a.id)),
  (SELECT count(*) FROM users u
   WHERE u.article_count <> (SELECT count(*) FROM articles a WHERE a.author_id = u.id)),
  (SELECT count(*) FROM users u
   WHERE u.favorite_count <> (SELECT count(*) FROM favorites f WHERE f.user_id = u.id)),
  (SELECT count(*) FROM tags t
   WHERE (SELECT coalesce(sum(article_count), 0) FROM tag_counts c WHERE c.tag_id = t.id)
      <> (SELECT count(*) FROM article_tags at WHERE at.tag_id = t.id)),
  (SELECT count(*) FROM tag_counts c
   WHERE c.article_count <> (SELECT count(*) FROM article_tags at JOIN articles a ON a.id = at.article_id
                             WHERE at.tag_id = c.tag_id AND tag_count_shard(a.author_id) = c.shard)),
  (SELECT sum(article_count) FROM article_count_shards) - (SELECT count(*) FROM articles),
  (SELECT count(*) FROM article_count_shards s
   WHERE s.article_count <> (SELECT count(*) FROM articles WHERE article_count_shard(author_id) = s.shard)),
  (SELECT count(*) FROM articles a
   WHERE a.tag_names <> ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                              WHERE at.article_id = a.id ORDER BY t.name COLLATE "C"))
"""


async def register(
    pool: AsyncConnectionPool[AsyncConnection], clock: SteppingClock, count: int
) -> list[User]:
    tokens = JwtTokenService("integration-secret-long-enough-for-hs256", 60, clock)
    return [
        (
            await RegisterUser(
                PostgresUnitOfWork(pool),
                FakePasswordHasher(),
                ZxcvbnCommonPasswords(),
                HomoglyphLookalikeNames(),
                tokens,
                clock,
            )(f"u{i}", f"u{i}@x.io", "pw123456")
        ).user
        for i in range(count)
    ]


@pytest.mark.parametrize("seed", [7, 11, 23])
async def test_counters_survive_a_storm_of_concurrent_writes(
    clean_pg: str, pg_pool: AsyncConnectionPool[AsyncConnection], seed: int
) -> None:
    rng = random.Random(seed)
    clock = SteppingClock()
    users = await register(pg_pool, clock, 8)
    tags = ["red", "green", "blue", "cyan", "pink"]
    slugs = [
        (
            await PublishArticle(PostgresUnitOfWork(pg_pool), clock)(
                users[i % 8].id, f"Post {i}", "d", "b", rng.sample(tags, 2)
            )
        ).slug
        for i in range(12)
    ]

    def uow() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(pg_pool)

    def random_write() -> object:
        user, slug = rng.choice(users), Slug(rng.choice(slugs))
        action = rng.randrange(5)
        if action == 0:
            return FavoriteArticle(uow(), clock)(user.id, slug)
        if action == 1:
            return UnfavoriteArticle(uow(), SteppingClock())(user.id, slug)
        if action == 2:
            author = users[slugs.index(slug) % 8]
            return EditArticle(uow(), clock)(author.id, slug, tags=rng.sample(tags, rng.randrange(4)))
        if action == 3:
            return PublishArticle(uow(), clock)(user.id, "Post", "d", "b", rng.sample(tags, 3))
        author = users[slugs.index(slug) % 8]
        return DeleteArticle(uow(), SteppingClock())(author.id, slug)

    outcomes = await asyncio.gather(*(random_write() for _ in range(300)), return_exceptions=True)  # type: ignore[arg-type]
    unexpected = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, NotFound)]
    assert not unexpected, unexpected
    with psycopg.connect(clean_pg) as conn:
        mismatches = conn.execute(RECOUNT).fetchone()
    assert mismatches == (0, 0, 0, 0, 0, 0, 0, 0)


async def test_concurrent_publishes_that_create_the_same_new_tags_all_link_them(
    clean_pg: str, pg_pool: AsyncConnectionPool[AsyncConnection]
) -> None:
    rng = random.Random(5)
    clock = SteppingClock()
    # 20 authors, so some share an article-count shard (id % 16) and a tag-count shard (id % 8).
    users = await register(pg_pool, clock, 20)
    fresh_tags = [f"new-{n}" for n in range(8)]
    publishes = [
        PublishArticle(PostgresUnitOfWork(pg_pool), clock)(
            rng.choice(users).id, f"Post {n}", "d", "b", rng.sample(fresh_tags, 3)
        )
        for n in range(200)
    ]
    outcomes = await asyncio.gather(*publishes, return_exceptions=True)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    with psycopg.connect(clean_pg) as conn:
        mismatches = conn.execute(RECOUNT).fetchone()
        links = conn.execute("SELECT count(*) FROM article_tags").fetchone()
    assert mismatches == (0, 0, 0, 0, 0, 0, 0, 0)
    assert links == (600,)


async def test_a_tag_name_another_transaction_adds_meanwhile_is_still_linked_and_counted(
    clean_pg: str, pg_pool: AsyncConnectionPool[AsyncConnection]
) -> None:
    clock = SteppingClock()
    [author] = await register(pg_pool, clock, 1)
    async with await AsyncConnection.connect(clean_pg) as rival:
        # The rival adds "late" and holds it uncommitted, so the publish's insert of the name must wait.
        await rival.execute("INSERT INTO tags (name) VALUES ('late')")
        publishing = asyncio.create_task(
            PublishArticle(PostgresUnitOfWork(pg_pool), clock)(author.id, "Post", "d", "b", ["early", "late"])
        )
        await until_a_statement_waits_for_a_lock(clean_pg)
        # Committed after the publishing statement began: its snapshot cannot see the row.
        await rival.commit()
        published = await publishing
    assert published.tag_list == ("early", "late")
    with psycopg.connect(clean_pg) as conn:
        mismatches = conn.execute(RECOUNT).fetchone()
        linked = conn.execute(
            "SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id ORDER BY t.name"
        ).fetchall()
    assert mismatches == (0, 0, 0, 0, 0, 0, 0, 0)
    assert linked == [("early",), ("late",)]


async def until_a_statement_waits_for_a_lock(url: str) -> None:
    async with await AsyncConnection.connect(url, autocommit=True) as watcher:
        for _ in range(1000):
            waiting = await watcher.execute("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if await waiting.fetchone():
                return
            await asyncio.sleep(0.01)
    raise AssertionError("no statement came to wait for a lock within 10 s")
