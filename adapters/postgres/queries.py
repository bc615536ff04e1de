"""The read side: each method is ONE SQL statement returning everything its response needs.

List statements share one shape: a ``page`` CTE picks the page's article ids in order, a ``total`` CTE
counts every match, and the outer query joins author, flags and tags for the page only. Single filters
read their total from counters kept in the write transactions (O(1)) and walk an index that is already in
the right order; combined filters count the matches.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from psycopg import sql

from adapters.postgres.pool import Params, Pool, Query, Rows, fetch
from application.notifications import NotificationPage, NotificationQueries, NotificationView
from application.views import (
    AfterCommit,
    ArticleFilter,
    ArticlePage,
    ArticleQueries,
    ArticleView,
    CommentQueries,
    CommentView,
    ProfileQueries,
    ProfileView,
    TagQueries,
    UserDirectory,
    UserSummary,
    ViewsAfterCommit,
)
from domain.articles import most_used_first
from domain.ids import CommentId, Slug, UserId
from domain.notifications import NotificationKind
from domain.pagination import Page

# Times leave the database as the text views carry (see application.views.Timestamp).
_ISO = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
_ARTICLE_TIMES = f"{_ISO.format('a.created_at')}, {_ISO.format('a.updated_at')}"

# The viewer's flags: NULL viewer (anonymous) makes both false.
_FOLLOWING = "EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = %(viewer)s AND fo.followee_id = u.id)"
_FAVORITED = "EXISTS (SELECT 1 FROM favorites fa WHERE fa.user_id = %(viewer)s AND fa.article_id = a.id)"
# Each article row keeps its tag names in tag order (migration 0006): no join to read them.
_TAG_LIST = "a.tag_names"

SELECT_ARTICLE = f"""
SELECT a.slug, a.title, a.description, a.body, {_TAG_LIST}, {_ARTICLE_TIMES},
       {_FAVORITED}, a.favorites_count, u.username, u.bio, u.image, {_FOLLOWING}
FROM articles a JOIN users u ON u.id = a.author_id
WHERE a.slug = %(slug)s
"""

# List statements are templates: a page's LIMIT is written into the SQL as a literal. With a parameter,
# the plan PostgreSQL caches for a prepared statement guesses a tenth of the table per page and joins it
# by scanning whole tables; with the literal it walks indexes for just the page (0.6 -> 0.2 ms here, and
# the difference grows with the table). psycopg prepares each distinct text once; clients use few limits.
_LIST = f"""
WITH {{ctes}}
SELECT total.n, a.slug, a.title, a.description, NULL::text, {_TAG_LIST}, {_ARTICLE_TIMES},
       {_FAVORITED}, a.favorites_count, u.username, u.bio, u.image, {_FOLLOWING}
FROM total
LEFT JOIN page p ON true
LEFT JOIN articles a ON a.id = p.id
LEFT JOIN users u ON u.id = a.author_id
ORDER BY p.created_at DESC, p.id DESC
"""

_PAGE = "LIMIT {limit} OFFSET %(offset)s"
_USER_ID = "(SELECT id FROM users WHERE lower(username) = lower({}))"


def _list(ctes: str) -> sql.SQL:
    return sql.SQL(_LIST.replace("{ctes}", ctes))


LIST_ALL = _list(f"""
page AS (SELECT id, created_at FROM articles ORDER BY created_at DESC, id DESC {_PAGE}),
total AS (SELECT sum(article_count)::bigint AS n FROM article_count_shards)""")

LIST_BY_AUTHOR = _list(f"""
author AS {_USER_ID.format("%(author)s")},
page AS (SELECT id, created_at FROM articles WHERE author_id = (SELECT id FROM author)
         ORDER BY created_at DESC, id DESC {_PAGE}),
total AS (SELECT coalesce((SELECT article_count FROM users WHERE id = (SELECT id FROM author)), 0) AS n)""")

LIST_BY_TAG = _list(f"""
tag AS (SELECT id FROM tags WHERE name = %(tag)s),
page AS (SELECT article_id AS id, article_created_at AS created_at FROM article_tags
         WHERE tag_id = (SELECT id FROM tag) ORDER BY article_created_at DESC, article_id DESC {_PAGE}),
total AS (SELECT coalesce(sum(article_count), 0)::bigint AS n FROM tag_counts
          WHERE tag_id = (SELECT id FROM tag))""")

LIST_FAVORITED_BY = _list(f"""
fan AS (SELECT id, favorite_count FROM users WHERE lower(username) = lower(%(favorited)s)),
page AS (SELECT article_id AS id, article_created_at AS created_at FROM favorites
         WHERE user_id = (SELECT id FROM fan) ORDER BY article_created_at DESC, article_id DESC {_PAGE}),
total AS (SELECT coalesce((SELECT favorite_count FROM fan), 0) AS n)""")

LIST_COMBINED = _list(f"""
matching AS (
    SELECT a.id, a.created_at FROM articles a
    WHERE (%(author)s::text IS NULL OR a.author_id = {_USER_ID.format("%(author)s::text")})
      AND (%(tag)s::text IS NULL OR EXISTS (
            SELECT 1 FROM article_tags at JOIN tags t ON t.id = at.tag_id
            WHERE at.article_id = a.id AND t.name = %(tag)s::text))
      AND (%(favorited)s::text IS NULL OR EXISTS (
            SELECT 1 FROM favorites f WHERE f.article_id = a.id
            AND f.user_id = {_USER_ID.format("%(favorited)s::text")}))
),
page AS (SELECT id, created_at FROM matching ORDER BY created_at DESC, id DESC {_PAGE}),
total AS (SELECT count(*) AS n FROM matching)""")

# Each followed author contributes at most offset + limit of their newest articles (one index walk
# each), so the cost follows the number of authors followed, not the size of the table.
FEED = _list(f"""
page AS (
    SELECT recent.id, recent.created_at FROM follows f
    CROSS JOIN LATERAL (
        SELECT id, created_at FROM articles WHERE author_id = f.followee_id
        ORDER BY created_at DESC, id DESC LIMIT {{limit}} + %(offset)s
    ) recent
    WHERE f.follower_id = %(viewer)s
    ORDER BY recent.created_at DESC, recent.id DESC {_PAGE}
),
-- One primary-key lookup per followed author. As a join, the cached plan hashed the whole users table
-- (it prices each lookup as a random read from disk), so the feed slowed as users signed up.
total AS (
    SELECT coalesce(sum((SELECT article_count FROM users WHERE id = f.followee_id)), 0) AS n
    FROM follows f WHERE f.follower_id = %(viewer)s
)""")

_with_limits: dict[tuple[int, int], sql.Composed] = {}


def with_limit(template: sql.SQL, limit: int) -> sql.Composed:
    """``template`` with its page size written in (composed once per template and size)."""
    key = (id(template), limit)
    composed = _with_limits.get(key)
    if composed is None:
        composed = _with_limits[key] = template.format(limit=sql.Literal(limit))
    return composed


_COMMENT_TIMES = f"{_ISO.format('c.created_at')}, {_ISO.format('c.updated_at')}"
_COMMENT_COLUMNS = f"c.id, {_COMMENT_TIMES}, c.body, u.username, u.bio, u.image, {_FOLLOWING}"

# LEFT JOIN from the article: no row means no article, one row of NULLs means no comments.
SELECT_COMMENTS = f"""
SELECT {_COMMENT_COLUMNS}
FROM articles a
LEFT JOIN comments c ON c.article_id = a.id
LEFT JOIN users u ON u.id = c.author_id
WHERE a.slug = %(slug)s
ORDER BY c.created_at DESC, c.id DESC
"""

SELECT_COMMENT = f"""
SELECT {_COMMENT_COLUMNS}
FROM comments c JOIN users u ON u.id = c.author_id
WHERE c.id = %(id)s
"""

SELECT_PROFILE = f"""
SELECT u.username, u.bio, u.image, {_FOLLOWING}
FROM users u WHERE lower(u.username) = lower(%(username)s)
"""

SELECT_INBOX = f"""
WITH counts AS (
    SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread
    FROM notifications WHERE recipient_id = %(recipient)s
), page AS (
    SELECT * FROM notifications WHERE recipient_id = %(recipient)s
    ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s
)
SELECT c.total, c.unread, p.id, p.kind, {_ISO.format("p.created_at")}, p.read_at IS NOT NULL,
       u.username, u.bio, u.image,
       EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = %(recipient)s AND fo.followee_id = u.id),
       p.article_slug, p.article_title, p.comment_id
FROM counts c
LEFT JOIN page p ON true
LEFT JOIN users u ON u.id = p.actor_id
ORDER BY p.id DESC
"""

SELECT_USERS = """
SELECT username, email FROM users ORDER BY lower(username) COLLATE "C" LIMIT %(limit)s OFFSET %(offset)s
"""

# Ordered by domain.articles.most_used_first, not by the database's collation.
SELECT_TAGS_IN_USE = """
SELECT t.name, c.n FROM tags t
JOIN (SELECT tag_id, sum(article_count) AS n FROM tag_counts GROUP BY tag_id) c ON c.tag_id = t.id
WHERE c.n > 0
"""


def _article(row: tuple[Any, ...]) -> ArticleView:
    (slug, title, description, body, tags, created_at, updated_at, favorited, count, *author) = row
    return ArticleView(
        Slug(slug),
        title,
        description,
        body,
        tuple(tags),
        created_at,
        updated_at,
        favorited,
        count,
        ProfileView(*author),
    )


def _profile(row: tuple[Any, ...]) -> ProfileView:
    return ProfileView(*row)


def _comment(row: tuple[Any, ...]) -> CommentView:
    comment_id, created_at, updated_at, body, *author = row
    return CommentView(CommentId(comment_id), created_at, updated_at, body, ProfileView(*author))


class PgArticleQueries(ArticleQueries):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def get(self, slug: Slug, viewer: UserId | None) -> ArticleView | None:
        rows = await fetch(self._pool, SELECT_ARTICLE, {"slug": slug, "viewer": viewer})
        row = rows[0] if rows else None
        return None if row is None else _article(row)

    async def search(self, where: ArticleFilter, page: Page, viewer: UserId | None) -> ArticlePage:
        params = {
            "tag": where.tag,
            "author": where.author,
            "favorited": where.favorited_by,
            "viewer": viewer,
            "offset": page.offset,
        }
        return await self._page(with_limit(_statement_for(where), page.limit), params)

    async def feed(self, viewer: UserId, page: Page) -> ArticlePage:
        return await self._page(with_limit(FEED, page.limit), {"viewer": viewer, "offset": page.offset})

    async def _page(self, statement: sql.Composed, params: dict[str, Any]) -> ArticlePage:
        rows = await fetch(self._pool, statement, params)
        # The first column is the total; a page past the end is one row of NULLs besides it.
        total = rows[0][0] if rows else 0
        return ArticlePage(tuple(_article(row[1:]) for row in rows if row[1] is not None), total)


def _statement_for(where: ArticleFilter) -> sql.SQL:
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


class PgCommentQueries(CommentQueries):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def for_article(self, slug: Slug, viewer: UserId | None) -> list[CommentView] | None:
        rows = await fetch(self._pool, SELECT_COMMENTS, {"slug": slug, "viewer": viewer})
        if not rows:
            return None
        return [_comment(row) for row in rows if row[0] is not None]

    async def get(self, comment_id: CommentId, viewer: UserId | None) -> CommentView | None:
        rows = await fetch(self._pool, SELECT_COMMENT, {"id": comment_id, "viewer": viewer})
        row = rows[0] if rows else None
        return None if row is None else _comment(row)


class PgProfileQueries(ProfileQueries):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def get(self, username: str, viewer: UserId | None) -> ProfileView | None:
        rows = await fetch(self._pool, SELECT_PROFILE, {"username": username, "viewer": viewer})
        row = rows[0] if rows else None
        return None if row is None else _profile(row)


V = TypeVar("V")


class PgViewsAfterCommit(ViewsAfterCommit):
    """The views a unit of work answers with, read by the statements the other read ports use. The unit of
    work sends them right behind its COMMIT, in the same round trip (``reads``), and hands back the rows."""

    def __init__(self) -> None:
        self.reads: list[tuple[Query, Params, Callable[[Rows], None]]] = []

    def article(self, slug: Slug, viewer: UserId | None) -> AfterCommit[ArticleView | None]:
        return self._later(SELECT_ARTICLE, {"slug": slug, "viewer": viewer}, _article)

    def comment(self, comment_id: CommentId, viewer: UserId | None) -> AfterCommit[CommentView | None]:
        return self._later(SELECT_COMMENT, {"id": comment_id, "viewer": viewer}, _comment)

    def profile(self, username: str, viewer: UserId | None) -> AfterCommit[ProfileView | None]:
        return self._later(SELECT_PROFILE, {"username": username, "viewer": viewer}, _profile)

    def _later(
        self, query: Query, params: Params, parse: Callable[[tuple[Any, ...]], V]
    ) -> AfterCommit[V | None]:
        answer: AfterCommit[V | None] = AfterCommit()

        def resolve(rows: Rows) -> None:
            answer.resolve(parse(rows[0]) if rows else None)

        self.reads.append((query, params, resolve))
        return answer


class PgTagQueries(TagQueries):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def in_use(self) -> list[str]:
        return most_used_first(dict(await fetch(self._pool, SELECT_TAGS_IN_USE)))


class PgUserDirectory(UserDirectory):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def everyone(self, page: Page) -> tuple[UserSummary, ...]:
        return tuple(
            UserSummary(*row)
            for row in await fetch(self._pool, SELECT_USERS, {"limit": page.limit, "offset": page.offset})
        )


class PgNotificationQueries(NotificationQueries):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def inbox(self, recipient: UserId, page: Page) -> NotificationPage:
        params = {"recipient": recipient, "limit": page.limit, "offset": page.offset}
        rows = await fetch(self._pool, SELECT_INBOX, params)
        total, unread = rows[0][0], rows[0][1]
        notes = tuple(_notification(row[2:]) for row in rows if row[2] is not None)
        return NotificationPage(notes, total, unread)


def _notification(row: tuple[Any, ...]) -> NotificationView:
    note_id, kind, created_at, read, username, bio, image, following, slug, title, comment_id = row
    return NotificationView(
        note_id,
        NotificationKind(kind),
        created_at,
        read,
        ProfileView(username, bio, image, following),
        None if slug is None else Slug(slug),
        title,
        None if comment_id is None else CommentId(comment_id),
    )
