"""PostgreSQL-only checks of the read side: one statement per call, and the indexes the plans use."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import AsyncConnection, AsyncCursor
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.queries import articles as listings
from adapters.postgres.queries.articles import PgArticleQueries
from adapters.postgres.queries.comments import PgCommentQueries
from adapters.postgres.queries.people import PgProfileQueries
from adapters.postgres.queries.tags import PgTagQueries
from application.views import ArticleFilter
from domain.ids import CommentId, Slug, UserId
from domain.pagination import Page
from entrypoints import migrations
from tests.support.database import fresh_database

pytestmark = pytest.mark.postgres

statements: list[str] = []


class CountingCursor(AsyncCursor[Any]):
    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> "CountingCursor":
        statements.append(str(query))
        await super().execute(query, params, **kwargs)
        return self


@pytest.fixture
async def counting_pool(clean_pg: str) -> AsyncIterator[AsyncConnectionPool[AsyncConnection]]:
    pool: AsyncConnectionPool[AsyncConnection] = AsyncConnectionPool(
        clean_pg,
        min_size=1,
        max_size=2,
        open=False,
        kwargs={"autocommit": True, "cursor_factory": CountingCursor},
    )
    await pool.open(wait=True)
    yield pool
    await pool.close()


async def test_every_read_port_call_is_one_statement(
    counting_pool: AsyncConnectionPool[AsyncConnection],
) -> None:
    articles, comments = PgArticleQueries(counting_pool), PgCommentQueries(counting_pool)
    profiles, tags = PgProfileQueries(counting_pool), PgTagQueries(counting_pool)
    viewer = UserId(1)
    calls = [
        articles.get(Slug("x"), viewer),
        articles.search(ArticleFilter(), Page(), viewer),
        articles.search(ArticleFilter(tag="t"), Page(), viewer),
        articles.search(ArticleFilter(author="a"), Page(), viewer),
        articles.search(ArticleFilter(favorited_by="a"), Page(), viewer),
        articles.search(ArticleFilter(tag="t", author="a", favorited_by="b"), Page(), viewer),
        articles.feed(viewer, Page()),
        comments.for_article(Slug("x"), viewer),
        comments.get(CommentId(1), viewer),
        profiles.get("a", viewer),
        tags.in_use(),
    ]
    for call in calls:
        statements.clear()
        await call
        assert len(statements) == 1, statements


SEED = """
INSERT INTO users (username, username_key, email, password_hash, created_at, updated_at)
SELECT 'user' || n, 'user' || n, 'user' || n || '@example.com', 'x', now(), now()
FROM generate_series(1, 200) n;
INSERT INTO articles (slug, author_id, title, description, body, created_at, updated_at)
SELECT 'article-' || n, 1 + n % 200, 'Article ' || n, 'd', 'b',
       now() - n * interval '1 minute', now() - n * interval '1 minute'
FROM generate_series(1, 12000) n;
INSERT INTO tags (name) SELECT 'tag' || n FROM generate_series(1, 50) n;
INSERT INTO article_tags (article_id, tag_id, article_created_at)
SELECT a.id, 1 + (a.id * 7 + k) % 50, a.created_at FROM articles a CROSS JOIN generate_series(0, 2) k
ON CONFLICT DO NOTHING;
INSERT INTO favorites (user_id, article_id, article_created_at, created_at)
SELECT 1 + (a.id * 13 + k) % 200, a.id, a.created_at, now() FROM articles a CROSS JOIN generate_series(0, 1) k
ON CONFLICT DO NOTHING;
INSERT INTO follows (follower_id, followee_id, created_at)
SELECT 1, n, now() FROM generate_series(2, 21) n;
INSERT INTO tag_counts (tag_id, shard, article_count)
SELECT at.tag_id, a.author_id % 8, count(*) FROM article_tags at JOIN articles a ON a.id = at.article_id
GROUP BY 1, 2;
ANALYZE;
"""

PLANS = {
    "list": (listings.LIST_ALL, {}, "articles_recent_idx"),
    "tag": (listings.LIST_BY_TAG, {"tag": "tag7"}, "article_tags_recent_idx"),
    "author": (listings.LIST_BY_AUTHOR, {"author": "user5"}, "articles_author_recent_idx"),
    "favorited": (listings.LIST_FAVORITED_BY, {"favorited": "user9"}, "favorites_recent_idx"),
    "feed": (listings.FEED, {}, "articles_author_recent_idx"),
}


@pytest.fixture(scope="module")
def large_database(pg_server: str) -> Iterator[str]:
    """12,000 articles, 200 users, 50 tags, with statistics: enough for the planner to show its choices."""
    with fresh_database(pg_server, "plans") as url:
        migrations.upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SEED)
        yield url


# psycopg prepares a statement after a few executions, and PostgreSQL then reuses a generic plan made
# without the parameter values: that plan is the one to check.
AS_PREPARED = {
    "%(offset)s": "$1::bigint",
    "%(viewer)s": "$2::bigint",
    "%(tag)s": "$3::text",
    "%(author)s": "$4::text",
    "%(favorited)s": "$5::text",
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_list_queries_walk_their_index_on_a_large_table(large_database: str, name: str) -> None:
    listing, filters, index = PLANS[name]
    query = listing.limited(20).query
    text = query.decode() if isinstance(query, bytes) else str(query)
    for placeholder, parameter in AS_PREPARED.items():
        text = text.replace(placeholder, parameter)
    values = {"tag": "NULL", "author": "NULL", "favorited": "NULL"} | {
        k: f"'{v}'" for k, v in filters.items()
    }
    with psycopg.connect(large_database, autocommit=True) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        types = "(bigint, bigint, text, text, text)"
        conn.execute(psycopg.sql.SQL(f"PREPARE listing {types} AS {{}}").format(psycopg.sql.SQL(text)))
        arguments = f"0, 1, {values['tag']}, {values['author']}, {values['favorited']}"
        plan = conn.execute(psycopg.sql.SQL(f"EXPLAIN (FORMAT JSON) EXECUTE listing({arguments})")).fetchone()
    assert plan is not None
    nodes = list(_nodes(plan[0]))
    used = {node["Index Name"] for node in nodes if "Index Name" in node}
    assert index in used, f"{name} plan uses {used}:\n{json.dumps(plan[0], indent=1)[:3000]}"
    scanned = {node.get("Relation Name") for node in nodes if node["Node Type"] == "Seq Scan"}
    assert not scanned & {"articles", "article_tags", "favorites"}, f"{name} reads whole tables: {scanned}"


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every node of an EXPLAIN (FORMAT JSON) plan."""
    if isinstance(node, list):
        for item in node:
            yield from _nodes(item)
    elif isinstance(node, dict):
        if "Node Type" in node:
            yield node
        for value in node.values():
            yield from _nodes(value)
