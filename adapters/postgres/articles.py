"""Articles, their tag links and favorites, with every counter updated in the same transaction.

Lock order, the same in every writer so that none can deadlock another: the article row, then tag rows
by name, then user rows by id.
"""

from collections.abc import Mapping
from datetime import datetime

from psycopg import AsyncConnection

from adapters.postgres.errors import translated_errors
from application.ports import ArticleRepository
from domain.articles import Article, NewArticle
from domain.ids import ArticleId, Slug, UserId

INSERT_ARTICLE = """
WITH inserted AS (
    INSERT INTO articles (slug, author_id, title, description, body, created_at, updated_at)
    VALUES (%(slug)s, %(author_id)s, %(title)s, %(description)s, %(body)s, %(now)s, %(now)s)
    RETURNING id, author_id
), author AS (
    UPDATE users SET article_count = article_count + 1 WHERE id IN (SELECT author_id FROM inserted)
), total AS (
    UPDATE article_totals SET article_count = article_count + 1 WHERE EXISTS (SELECT 1 FROM inserted)
)
SELECT id FROM inserted
"""

# Tags are shared rows: an upsert creates missing ones and counts one more article for each.
LINK_TAGS = """
WITH linked_tags AS (
    INSERT INTO tags (name, article_count)
    SELECT name, 1 FROM unnest(%(names)s::text[]) AS name ORDER BY name
    ON CONFLICT (name) DO UPDATE SET article_count = tags.article_count + 1
    RETURNING id
)
INSERT INTO article_tags (article_id, tag_id, article_created_at)
SELECT %(article_id)s, id, %(created_at)s FROM linked_tags
"""

LOCK_LINKED_TAGS = """
SELECT t.id FROM tags t JOIN article_tags at ON at.tag_id = t.id
WHERE at.article_id = %(article_id)s AND t.name = ANY(%(names)s::text[])
ORDER BY t.name
FOR NO KEY UPDATE OF t
"""

LOCK_ALL_LINKED_TAGS = """
SELECT t.id FROM tags t JOIN article_tags at ON at.tag_id = t.id
WHERE at.article_id = %(article_id)s
ORDER BY t.name
FOR NO KEY UPDATE OF t
"""

UNLINK_TAGS = """
WITH unlinked AS (
    DELETE FROM article_tags
    WHERE article_id = %(article_id)s AND tag_id = ANY(%(tag_ids)s::bigint[])
    RETURNING tag_id
)
UPDATE tags SET article_count = article_count - 1 WHERE id IN (SELECT tag_id FROM unlinked)
"""

# A tag no article uses any more is removed (the NOT EXISTS guards against a drifted counter).
DELETE_UNUSED_TAGS = """
DELETE FROM tags t
WHERE t.id = ANY(%(tag_ids)s::bigint[]) AND t.article_count = 0
  AND NOT EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id)
"""

SELECT_ARTICLE = """
SELECT a.id, a.slug, a.author_id, a.title, a.description, a.body, a.created_at, a.updated_at,
       ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
             WHERE at.article_id = a.id ORDER BY t.name) AS tags
FROM articles a
WHERE a.slug = %(slug)s
"""

SELECT_ARTICLE_FOR_UPDATE = SELECT_ARTICLE + "FOR NO KEY UPDATE OF a"

UPDATE_ARTICLE = """
UPDATE articles SET title = %(title)s, description = %(description)s, body = %(body)s, updated_at = %(now)s
WHERE id = %(id)s
"""

LOCK_FAVORITERS = """
SELECT u.id FROM users u JOIN favorites f ON f.user_id = u.id
WHERE f.article_id = %(article_id)s
ORDER BY u.id
FOR NO KEY UPDATE OF u
"""

UNCOUNT_FAVORITES = """
UPDATE users SET favorite_count = favorite_count - 1
WHERE id IN (SELECT user_id FROM favorites WHERE article_id = %(article_id)s)
"""

# Comments, favorites and tag links go with the article (ON DELETE CASCADE).
DELETE_ARTICLE = """
WITH deleted AS (
    DELETE FROM articles WHERE id = %(article_id)s RETURNING author_id
), author AS (
    UPDATE users SET article_count = article_count - 1 WHERE id IN (SELECT author_id FROM deleted)
)
UPDATE article_totals SET article_count = article_count - 1 WHERE EXISTS (SELECT 1 FROM deleted)
"""

ADD_FAVORITE = """
WITH added AS (
    INSERT INTO favorites (user_id, article_id, article_created_at, created_at)
    SELECT %(user_id)s, a.id, a.created_at, %(now)s FROM articles a WHERE a.id = %(article_id)s
    ON CONFLICT DO NOTHING
    RETURNING article_id
), article AS (
    UPDATE articles SET favorites_count = favorites_count + 1 WHERE id IN (SELECT article_id FROM added)
), favoriter AS (
    UPDATE users SET favorite_count = favorite_count + 1
    WHERE id = %(user_id)s AND EXISTS (SELECT 1 FROM added)
)
SELECT count(*) FROM added
"""

REMOVE_FAVORITE = """
WITH removed AS (
    DELETE FROM favorites WHERE user_id = %(user_id)s AND article_id = %(article_id)s RETURNING article_id
), article AS (
    UPDATE articles SET favorites_count = favorites_count - 1 WHERE id IN (SELECT article_id FROM removed)
), favoriter AS (
    UPDATE users SET favorite_count = favorite_count - 1
    WHERE id = %(user_id)s AND EXISTS (SELECT 1 FROM removed)
)
SELECT count(*) FROM removed
"""

_Row = tuple[int, str, int, str, str, str, datetime, datetime, list[str]]


def _article(row: _Row) -> Article:
    article_id, slug, author_id, title, description, body, created_at, updated_at, tags = row
    return Article(
        ArticleId(article_id),
        Slug(slug),
        UserId(author_id),
        title,
        description,
        body,
        tuple(tags),
        created_at,
        updated_at,
    )


class PgArticleRepository(ArticleRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, article: NewArticle, now: datetime) -> Article:
        # A savepoint: a taken slug rolls back only this attempt, and the caller may try another.
        with translated_errors():
            async with self._conn.transaction():
                cursor = await self._conn.execute(
                    INSERT_ARTICLE,
                    {
                        "slug": article.slug,
                        "author_id": article.author_id,
                        "title": article.title,
                        "description": article.description,
                        "body": article.body,
                        "now": now,
                    },
                )
                row = await cursor.fetchone()
                assert row is not None
                article_id = ArticleId(row[0])
                if article.tags:
                    await self._link_tags(article_id, article.tags, now)
        return Article(
            article_id,
            article.slug,
            article.author_id,
            article.title,
            article.description,
            article.body,
            article.tags,
            now,
            now,
        )

    async def get_by_slug(self, slug: Slug, *, lock: bool = False) -> Article | None:
        cursor = await self._conn.execute(
            SELECT_ARTICLE_FOR_UPDATE if lock else SELECT_ARTICLE, {"slug": slug}
        )
        row = await cursor.fetchone()
        return None if row is None else _article(row)

    async def update(self, article: Article, *, tags_before: tuple[str, ...]) -> None:
        await self._conn.execute(
            UPDATE_ARTICLE,
            {
                "id": article.id,
                "title": article.title,
                "description": article.description,
                "body": article.body,
                "now": article.updated_at,
            },
        )
        removed = sorted(set(tags_before) - set(article.tags))
        added = sorted(set(article.tags) - set(tags_before))
        if removed:
            await self._unlink_tags(article.id, removed)
        if added:
            await self._link_tags(article.id, tuple(added), article.created_at)

    async def delete(self, article_id: ArticleId) -> None:
        params = {"article_id": article_id}
        await self._conn.execute(LOCK_FAVORITERS, params)
        await self._conn.execute(UNCOUNT_FAVORITES, params)
        await self._unlink(LOCK_ALL_LINKED_TAGS, params)
        await self._conn.execute(DELETE_ARTICLE, params)

    async def favorite(self, article_id: ArticleId, user_id: UserId, now: datetime) -> bool:
        with translated_errors():
            cursor = await self._conn.execute(
                ADD_FAVORITE, {"article_id": article_id, "user_id": user_id, "now": now}
            )
        row = await cursor.fetchone()
        return row is not None and row[0] > 0

    async def unfavorite(self, article_id: ArticleId, user_id: UserId) -> bool:
        cursor = await self._conn.execute(REMOVE_FAVORITE, {"article_id": article_id, "user_id": user_id})
        row = await cursor.fetchone()
        return row is not None and row[0] > 0

    async def _link_tags(self, article_id: ArticleId, names: tuple[str, ...], created_at: datetime) -> None:
        await self._conn.execute(
            LINK_TAGS, {"names": sorted(names), "article_id": article_id, "created_at": created_at}
        )

    async def _unlink_tags(self, article_id: ArticleId, names: list[str]) -> None:
        await self._unlink(LOCK_LINKED_TAGS, {"article_id": article_id, "names": names})

    async def _unlink(self, lock_statement: str, params: Mapping[str, object]) -> None:
        """Lock the tags (by name), unlink them from the article, count one article less, drop unused ones."""
        cursor = await self._conn.execute(lock_statement, params)
        tag_ids = [row[0] for row in await cursor.fetchall()]
        if not tag_ids:
            return
        unlink = {"article_id": params["article_id"], "tag_ids": tag_ids}
        await self._conn.execute(UNLINK_TAGS, unlink)
        await self._conn.execute(DELETE_UNUSED_TAGS, unlink)
