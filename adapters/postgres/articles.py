"""Articles, their tag links and favorites, with every counter updated in the same transaction.

Every writer takes its row locks in one order, so no two can deadlock: the article row, then user rows
by id, then the author's shard of the article count, then tag count rows by tag id. Data-modifying CTEs
run in no promised order, so a statement that locks rows of two of these tables either orders them by a
data dependency (INSERT_ARTICLE) or is split in two.
"""

from collections.abc import Collection
from datetime import datetime

from psycopg import AsyncConnection

from adapters.postgres.errors import translated_errors
from adapters.postgres.pool import execute
from application.errors import AlreadyExists
from application.ports import ArticleRepository
from domain.articles import Article, NewArticle
from domain.ids import ArticleId, Slug, UserId

# The article (with a copy of its tag names in tag order for the reads, migration 0006), its author's count,
# the author's shard of the total count (migration 0004), any tag name new to the vocabulary, the links
# and their counts, in one statement. Data-modifying CTEs run in no promised order, so each step waits for
# the previous one's output: the shard's UPDATE needs the author's id, the names are inserted and resolved
# only once the shard row is locked, and the counts need the links. The lock order holds.
#
# A name that another transaction added and committed after this statement began is the exception: the
# insert waits for it and skips it, and this statement's snapshot cannot see its row. Then the statement
# links none of the tags and says so, and RELINK_TAGS, a statement with a newer snapshot, links them all:
# linking some here and the rest there would lock tag count rows out of tag id order.
INSERT_ARTICLE = """
WITH inserted AS (
    INSERT INTO articles (slug, author_id, title, description, body, tag_names, created_at, updated_at)
    VALUES (%(slug)s, %(author_id)s, %(title)s, %(description)s, %(body)s, %(tags)s, %(now)s, %(now)s)
    ON CONFLICT (slug) DO NOTHING
    RETURNING id, author_id
), author AS (
    UPDATE users SET article_count = article_count + 1 WHERE id IN (SELECT author_id FROM inserted)
    RETURNING id
), total AS (
    UPDATE article_count_shards SET article_count = article_count + 1
    WHERE shard = (SELECT id FROM author) %% 16
    RETURNING shard
), named AS (
    INSERT INTO tags (name)
    SELECT name FROM unnest(%(tags)s::text[]) AS name WHERE EXISTS (SELECT FROM total)
    ORDER BY name
    ON CONFLICT (name) DO NOTHING
    RETURNING id, name
), resolved AS (
    SELECT id, name FROM named
    UNION
    SELECT id, name FROM tags WHERE name = ANY(%(tags)s::text[]) AND EXISTS (SELECT FROM total)
), complete AS (
    SELECT count(*) = cardinality(%(tags)s::text[]) AS all_seen FROM resolved
), linked AS (
    INSERT INTO article_tags (article_id, tag_id, article_created_at)
    SELECT inserted.id, resolved.id, %(now)s FROM inserted, resolved WHERE (SELECT all_seen FROM complete)
    RETURNING tag_id
), counted AS (
    INSERT INTO tag_counts (tag_id, shard, article_count)
    SELECT tag_id, %(author_id)s %% 8, 1 FROM linked
    ORDER BY tag_id
    ON CONFLICT (tag_id, shard) DO UPDATE SET article_count = tag_counts.article_count + 1
)
SELECT id, (SELECT all_seen FROM complete) FROM inserted
"""

COUNT_ONE_LESS = """
UPDATE article_count_shards SET article_count = article_count - 1 WHERE shard = %(author_id)s %% 16
"""

# Tags are shared rows, and a vocabulary: a missing name is added, an existing row is never locked or
# rewritten (DO NOTHING), so articles sharing a popular tag do not queue behind each other. (An edit adds
# names with this statement; a new article, with its INSERT_ARTICLE.)
ADD_TAG_NAMES = """
INSERT INTO tags (name) SELECT unnest(%(names)s::text[]) AS name ORDER BY name ON CONFLICT (name) DO NOTHING
"""

# Links the added tags, unlinks the removed ones, and counts each change in the (tag, author's shard) row
# of tag_counts, all in one statement so those rows are locked in one pass, in tag id order. The names
# are resolved by their own subqueries in a statement of its own, so it sees the names the previous
# statement (ADD_TAG_NAMES or INSERT_ARTICLE) just added, or waited for another transaction to add.
RELINK_TAGS = """
WITH linked AS (
    INSERT INTO article_tags (article_id, tag_id, article_created_at)
    SELECT %(article_id)s, t.id, %(created_at)s FROM tags t WHERE t.name = ANY(%(added)s::text[])
    RETURNING tag_id, 1 AS delta
), unlinked AS (
    DELETE FROM article_tags
    WHERE article_id = %(article_id)s
      AND tag_id IN (SELECT id FROM tags WHERE name = ANY(%(removed)s::text[]))
    RETURNING tag_id, -1 AS delta
)
INSERT INTO tag_counts (tag_id, shard, article_count)
SELECT change.tag_id, %(author_id)s %% 8, change.delta
FROM (SELECT * FROM linked UNION ALL SELECT * FROM unlinked) AS change
ORDER BY change.tag_id
ON CONFLICT (tag_id, shard) DO UPDATE SET article_count = tag_counts.article_count + EXCLUDED.article_count
"""

SELECT_LINKED_TAG_IDS = "SELECT tag_id FROM article_tags WHERE article_id = %(article_id)s"

# After the article is gone (the cascade took its links): one article less for each of its former tags.
UNCOUNT_TAGS = """
UPDATE tag_counts SET article_count = article_count - 1
WHERE (tag_id, shard) IN (
    SELECT tag_id, shard FROM tag_counts
    WHERE tag_id = ANY(%(tag_ids)s::bigint[]) AND shard = %(author_id)s %% 8
    ORDER BY tag_id
    FOR NO KEY UPDATE
)
"""

SELECT_ARTICLE = """
SELECT a.id, a.slug, a.author_id, a.title, a.description, a.body, a.created_at, a.updated_at, a.tag_names
FROM articles a
WHERE a.slug = %(slug)s
"""

# Everything read is a column of the locked row (tags included, migration 0006), so one statement locks
# and reads: after waiting for another writer's lock it returns that writer's version of the row.
LOCK_ARTICLE = SELECT_ARTICLE + "FOR NO KEY UPDATE\n"

# The tag names are the article's tags after the edit, in tag order (domain.articles.in_tag_order).
UPDATE_ARTICLE = """
UPDATE articles SET title = %(title)s, description = %(description)s, body = %(body)s,
    tag_names = %(tags)s, updated_at = %(now)s
WHERE id = %(id)s
"""

# The author and everyone who favorited the article lose a count.
LOCK_AUTHOR_AND_FAVORITERS = """
SELECT u.id FROM users u
WHERE u.id = (SELECT author_id FROM articles WHERE id = %(article_id)s)
   OR u.id IN (SELECT user_id FROM favorites WHERE article_id = %(article_id)s)
ORDER BY u.id
FOR NO KEY UPDATE OF u
"""

UNCOUNT_AUTHOR_AND_FAVORITERS = """
UPDATE users u SET
    article_count = u.article_count - (u.id = a.author_id)::int,
    favorite_count = u.favorite_count
        - (EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = u.id))::int
FROM articles a
WHERE a.id = %(article_id)s
  AND (u.id = a.author_id OR u.id IN (SELECT user_id FROM favorites WHERE article_id = a.id))
"""

# Comments, favorites and tag links go with the article (ON DELETE CASCADE).
DELETE_ARTICLE = "DELETE FROM articles WHERE id = %(article_id)s RETURNING author_id"

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
        # ON CONFLICT DO NOTHING: a taken slug inserts nothing and raises nothing, so the transaction stays
        # usable for the caller's next attempt without a savepoint (two round trips saved).
        params = {
            "slug": article.slug,
            "author_id": article.author_id,
            "title": article.title,
            "description": article.description,
            "body": article.body,
            "tags": list(article.tags),
            "now": now,
        }
        with translated_errors():
            cursor = await execute(self._conn, INSERT_ARTICLE, params)
            row = await cursor.fetchone()
        if row is None:
            raise AlreadyExists("slug")
        article_id, linked = ArticleId(row[0]), row[1]
        if not linked:
            # Nothing reads this result: it goes out with the commit.
            await self._link(article_id, article.author_id, now, added=article.tags, removed=())
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
        cursor = await execute(self._conn, LOCK_ARTICLE if lock else SELECT_ARTICLE, {"slug": slug})
        row = await cursor.fetchone()
        return None if row is None else _article(row)

    async def update(self, article: Article, *, tags_before: tuple[str, ...]) -> None:
        await execute(
            self._conn,
            UPDATE_ARTICLE,
            {
                "id": article.id,
                "title": article.title,
                "description": article.description,
                "body": article.body,
                "tags": list(article.tags),
                "now": article.updated_at,
            },
        )
        removed = set(tags_before) - set(article.tags)
        added = set(article.tags) - set(tags_before)
        if added:
            await execute(self._conn, ADD_TAG_NAMES, {"names": sorted(added)})
        if removed or added:
            await self._link(article.id, article.author_id, article.created_at, added=added, removed=removed)

    async def delete(self, article_id: ArticleId) -> None:
        params = {"article_id": article_id}
        # The article row is locked, so its tag links cannot change before the cascade removes them.
        cursor = await execute(self._conn, SELECT_LINKED_TAG_IDS, params)
        tag_ids = [row[0] for row in await cursor.fetchall()]
        await execute(self._conn, LOCK_AUTHOR_AND_FAVORITERS, params)
        await execute(self._conn, UNCOUNT_AUTHOR_AND_FAVORITERS, params)
        cursor = await execute(self._conn, DELETE_ARTICLE, params)
        deleted = await cursor.fetchone()
        assert deleted is not None, "the caller holds the article's lock"
        author = {"author_id": deleted[0]}
        await execute(self._conn, COUNT_ONE_LESS, author)
        if tag_ids:
            await execute(self._conn, UNCOUNT_TAGS, {**author, "tag_ids": tag_ids})

    async def favorite(self, article_id: ArticleId, user_id: UserId, now: datetime) -> bool:
        with translated_errors():
            cursor = await execute(
                self._conn, ADD_FAVORITE, {"article_id": article_id, "user_id": user_id, "now": now}
            )
            row = await cursor.fetchone()
        return row is not None and row[0] > 0

    async def unfavorite(self, article_id: ArticleId, user_id: UserId) -> bool:
        cursor = await execute(self._conn, REMOVE_FAVORITE, {"article_id": article_id, "user_id": user_id})
        row = await cursor.fetchone()
        return row is not None and row[0] > 0

    async def _link(
        self,
        article_id: ArticleId,
        author_id: UserId,
        created_at: datetime,
        *,
        added: Collection[str],
        removed: Collection[str],
    ) -> None:
        await execute(
            self._conn,
            RELINK_TAGS,
            {
                "article_id": article_id,
                "author_id": author_id,
                "created_at": created_at,
                "added": sorted(added),
                "removed": sorted(removed),
            },
        )
