"""The article read side: one statement per call, returning everything its response needs.

List statements share one shape: a ``page`` CTE picks the page's article ids in order, a ``total`` CTE
counts every match, and the outer query joins author, flags and tags for the page only. Single filters
read their total from counters kept in the write transactions and walk an index already in the right
order; combined filters count their matches. Each article row keeps its tag names in tag order
(migration 0006), so no read joins tags.

A page's LIMIT is written into the list statement as a literal. With a parameter, the plan PostgreSQL
caches for a prepared statement guesses a tenth of the table per page and joins it by scanning whole
tables; with the literal it walks indexes for just the page. psycopg prepares each distinct text once,
and clients use few page sizes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import LiteralString

from psycopg import sql

from adapters.postgres.pool import Pool
from adapters.postgres.replicas import ReplicaSet, reads_from
from adapters.postgres.statements import Statement
from application.views import ArticleFilter, ArticlePage, ArticleQueries, ArticleSummary, ArticleView
from domain.ids import Slug, UserId
from domain.pagination import Page
from domain.users import username_key

SELECT_ARTICLE = Statement(
    """
    SELECT a.slug, a.title, a.description, a.tag_names AS tag_list, a.created_at, a.updated_at,
           EXISTS (SELECT 1 FROM favorites f WHERE f.user_id = %(viewer)s AND f.article_id = a.id)
               AS favorited,
           a.favorites_count,
           u.username AS author_username, u.bio AS author_bio, u.image AS author_image,
           EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(viewer)s AND f.followee_id = u.id)
               AS author_following,
           a.body
    FROM articles a JOIN users u ON u.id = a.author_id
    WHERE a.slug = %(slug)s
    """,
    ArticleView,
)


@dataclass(slots=True)  # a row, read and dropped: cheaper to build unfrozen
class Listed:
    total: int  # every match, on every row
    article: ArticleSummary | None  # None on the one row of a page past the end


# The outer query of every list: {ctes} defines ``page`` (id, created_at) and ``total`` (n).
LISTED = sql.SQL("""
WITH {ctes}
SELECT total.n AS total,
       a.slug AS article_slug, a.title AS article_title, a.description AS article_description,
       a.tag_names AS article_tag_list,
       a.created_at AS article_created_at, a.updated_at AS article_updated_at,
       EXISTS (SELECT 1 FROM favorites f WHERE f.user_id = %(viewer)s AND f.article_id = a.id)
           AS article_favorited,
       a.favorites_count AS article_favorites_count,
       u.username AS article_author_username, u.bio AS article_author_bio, u.image AS article_author_image,
       EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(viewer)s AND f.followee_id = u.id)
           AS article_author_following
FROM total
LEFT JOIN page p ON true
LEFT JOIN articles a ON a.id = p.id
LEFT JOIN users u ON u.id = a.author_id
ORDER BY p.created_at DESC, p.id DESC
""")


class Listing:
    """A list statement, composed once per page size (its ``{limit}``)."""

    def __init__(self, ctes: LiteralString) -> None:
        self.ctes = sql.SQL(ctes)
        self._by_limit: dict[int, Statement[Listed]] = {}

    def limited(self, limit: int) -> Statement[Listed]:
        statement = self._by_limit.get(limit)
        if statement is None:
            query = LISTED.format(ctes=self.ctes.format(limit=sql.Literal(limit)))
            statement = self._by_limit[limit] = Statement(query.as_bytes(), Listed)
        return statement


LIST_ALL = Listing("""
page AS (SELECT id, created_at FROM articles ORDER BY created_at DESC, id DESC
         LIMIT {limit} OFFSET %(offset)s),
total AS (SELECT sum(article_count)::bigint AS n FROM article_count_shards)
""")

LIST_BY_AUTHOR = Listing("""
author AS (SELECT id, article_count FROM users WHERE username_key = %(author)s),
page AS (SELECT id, created_at FROM articles WHERE author_id = (SELECT id FROM author)
         ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET %(offset)s),
total AS (SELECT coalesce((SELECT article_count FROM author), 0) AS n)
""")

LIST_BY_TAG = Listing("""
tag AS (SELECT id FROM tags WHERE name = %(tag)s),
page AS (SELECT article_id AS id, article_created_at AS created_at FROM article_tags
         WHERE tag_id = (SELECT id FROM tag)
         ORDER BY article_created_at DESC, article_id DESC LIMIT {limit} OFFSET %(offset)s),
total AS (SELECT coalesce(sum(article_count), 0)::bigint AS n FROM tag_counts
          WHERE tag_id = (SELECT id FROM tag))
""")

LIST_FAVORITED_BY = Listing("""
fan AS (SELECT id, favorite_count FROM users WHERE username_key = %(favorited)s),
page AS (SELECT article_id AS id, article_created_at AS created_at FROM favorites
         WHERE user_id = (SELECT id FROM fan)
         ORDER BY article_created_at DESC, article_id DESC LIMIT {limit} OFFSET %(offset)s),
total AS (SELECT coalesce((SELECT favorite_count FROM fan), 0) AS n)
""")

LIST_COMBINED = Listing("""
matching AS (
    SELECT a.id, a.created_at FROM articles a
    WHERE (%(author)s::text IS NULL
           OR a.author_id = (SELECT id FROM users WHERE username_key = %(author)s::text))
      AND (%(tag)s::text IS NULL OR EXISTS (
            SELECT 1 FROM article_tags at JOIN tags t ON t.id = at.tag_id
            WHERE at.article_id = a.id AND t.name = %(tag)s::text))
      AND (%(favorited)s::text IS NULL OR EXISTS (
            SELECT 1 FROM favorites f WHERE f.article_id = a.id
            AND f.user_id = (SELECT id FROM users WHERE username_key = %(favorited)s::text)))
),
page AS (SELECT id, created_at FROM matching ORDER BY created_at DESC, id DESC
         LIMIT {limit} OFFSET %(offset)s),
total AS (SELECT count(*) AS n FROM matching)
""")

# Each followed author contributes at most offset + limit of their newest articles (one index walk
# each), so the cost follows the number of authors followed, not the size of the table. The total is one
# primary-key lookup per followed author: as a join, the cached plan hashed the whole users table (it
# prices each lookup as a random read from disk), so the feed slowed as users signed up.
FEED = Listing("""
page AS (
    SELECT recent.id, recent.created_at FROM follows f
    CROSS JOIN LATERAL (
        SELECT id, created_at FROM articles WHERE author_id = f.followee_id
        ORDER BY created_at DESC, id DESC LIMIT {limit} + %(offset)s
    ) recent
    WHERE f.follower_id = %(viewer)s
    ORDER BY recent.created_at DESC, recent.id DESC LIMIT {limit} OFFSET %(offset)s
),
total AS (
    SELECT coalesce(sum((SELECT article_count FROM users WHERE id = f.followee_id)), 0) AS n
    FROM follows f WHERE f.follower_id = %(viewer)s
)
""")


def listing_for(where: ArticleFilter) -> Listing:
    given = [value is not None for value in (where.tag, where.author, where.favorited_by)]
    if sum(given) > 1:
        return LIST_COMBINED
    if where.tag is not None:
        return LIST_BY_TAG
    if where.author is not None:
        return LIST_BY_AUTHOR
    if where.favorited_by is not None:
        return LIST_FAVORITED_BY
    return LIST_ALL


class PgArticleQueries(ArticleQueries):
    def __init__(self, pool: Pool, replicas: ReplicaSet | None = None) -> None:
        self._rows = reads_from(pool, replicas)

    async def get(self, slug: Slug, viewer: UserId | None) -> ArticleView | None:
        rows = await self._rows(SELECT_ARTICLE, {"slug": slug, "viewer": viewer})
        return rows[0] if rows else None

    async def search(self, where: ArticleFilter, page: Page, viewer: UserId | None) -> ArticlePage:
        params = {
            "tag": where.tag,
            # Usernames are matched by their key (domain.users.username_key), as the unique index holds them.
            "author": None if where.author is None else username_key(where.author),
            "favorited": None if where.favorited_by is None else username_key(where.favorited_by),
            "viewer": viewer,
            "offset": page.offset,
        }
        return await self._page(listing_for(where).limited(page.limit), params)

    async def feed(self, viewer: UserId, page: Page) -> ArticlePage:
        return await self._page(FEED.limited(page.limit), {"viewer": viewer, "offset": page.offset})

    async def _page(self, statement: Statement[Listed], params: Mapping[str, object]) -> ArticlePage:
        rows = await self._rows(statement, params)
        articles = tuple(row.article for row in rows if row.article is not None)
        return ArticlePage(articles, rows[0].total if rows else 0)
