"""Articles, their tag links and favorites, with every counter updated in the same transaction.

Every writer takes its row locks in one order, so no two can deadlock: the article row, then user rows
by id, then the author's shard of the article count, then tag count rows by tag id. Data-modifying CTEs
run in no promised order, so a statement that locks rows of two of these tables either orders them by a
data dependency (INSERT_ARTICLE) or is split in two. Shards are chosen by article_count_shard() and
tag_count_shard() (migration 0008); tag links change in tag_links.py.
"""

from dataclasses import dataclass
from datetime import datetime

from adapters.postgres.statements import Statement
from adapters.postgres.tag_links import add_names, relink, uncount
from adapters.postgres.transaction import PipelinedTransaction
from application.errors import AlreadyExists
from application.ports import ArticleRepository
from domain.articles import Article, NewArticle
from domain.ids import ArticleId, Slug, UserId


@dataclass(slots=True)  # a row, read and dropped: cheaper to build unfrozen
class _Inserted:
    id: ArticleId
    linked: bool  # False: the tags are left to RELINK_TAGS


# The article (with its tag names, in tag order, for the reads: migration 0006), its author's count, the
# author's shard of the total count (migration 0004), any tag name new to the vocabulary, the links and
# their counts, in one statement. Each step waits for the previous one's output: the shard's UPDATE needs
# the author's id, the names are inserted and resolved only once the shard row is locked, and the counts
# need the links. The lock order holds.
#
# A name that another transaction added and committed after this statement began is the exception: the
# insert waits for it and skips it, and this statement's snapshot cannot see its row. Then the statement
# links none of the tags and says so, and RELINK_TAGS, a statement with a newer snapshot, links them all:
# linking some here and the rest there would lock tag count rows out of tag id order.
INSERT_ARTICLE = Statement(
    """
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
        WHERE shard = article_count_shard((SELECT id FROM author))
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
        SELECT tag_id, tag_count_shard(%(author_id)s), 1 FROM linked
        ORDER BY tag_id
        ON CONFLICT (tag_id, shard) DO UPDATE SET article_count = tag_counts.article_count + 1
    )
    SELECT id, (SELECT all_seen FROM complete) AS linked FROM inserted
    """,
    _Inserted,
)

# Every column read is the locked row's (tags included), so one statement locks and reads: after waiting
# for another writer's lock it returns that writer's version of the row.
LOCK_ARTICLE = Statement(
    """
    SELECT id, slug, author_id, title, description, body, tag_names AS tags, created_at, updated_at
    FROM articles WHERE slug = %(slug)s
    FOR NO KEY UPDATE
    """,
    Article,
)

UPDATE_ARTICLE = Statement(
    """
    UPDATE articles SET title = %(title)s, description = %(description)s, body = %(body)s,
        tag_names = %(tags)s, updated_at = %(now)s
    WHERE id = %(id)s
    """
)

# Deleting: the author and everyone who favorited the article lose a count, the author's shard and the
# tags' shards one article. The caller holds the article's lock, so its links (the tags it was read with)
# cannot change meanwhile; comments, favorites and tag links go with the row (ON DELETE CASCADE).
LOCK_AUTHOR_AND_FAVORITERS = Statement(
    """
    SELECT u.id FROM users u
    WHERE u.id = %(author_id)s OR u.id IN (SELECT user_id FROM favorites WHERE article_id = %(article_id)s)
    ORDER BY u.id
    FOR NO KEY UPDATE OF u
    """
)

UNCOUNT_AUTHOR_AND_FAVORITERS = Statement(
    """
    UPDATE users u SET
        article_count = u.article_count - (u.id = %(author_id)s)::int,
        favorite_count = u.favorite_count - (EXISTS (
            SELECT 1 FROM favorites f WHERE f.article_id = %(article_id)s AND f.user_id = u.id))::int
    WHERE u.id = %(author_id)s OR u.id IN (SELECT user_id FROM favorites WHERE article_id = %(article_id)s)
    """
)

DELETE_ARTICLE = Statement("DELETE FROM articles WHERE id = %(article_id)s")

COUNT_ONE_LESS = Statement(
    """
    UPDATE article_count_shards SET article_count = article_count - 1
    WHERE shard = article_count_shard(%(author_id)s)
    """
)

# Results are read, not row counts: in pipeline mode a count is known only once the result is.
ADD_FAVORITE = Statement(
    """
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
    SELECT article_id FROM added
    """
)

REMOVE_FAVORITE = Statement(
    """
    WITH removed AS (
        DELETE FROM favorites WHERE user_id = %(user_id)s AND article_id = %(article_id)s
        RETURNING article_id
    ), article AS (
        UPDATE articles SET favorites_count = favorites_count - 1 WHERE id IN (SELECT article_id FROM removed)
    ), favoriter AS (
        UPDATE users SET favorite_count = favorite_count - 1
        WHERE id = %(user_id)s AND EXISTS (SELECT 1 FROM removed)
    )
    SELECT article_id FROM removed
    """
)


class PgArticleRepository(ArticleRepository):
    def __init__(self, transaction: PipelinedTransaction) -> None:
        self._transaction = transaction
        # The articles this unit of work read, as they are stored: what update() and delete() change.
        self._read: dict[ArticleId, Article] = {}
        self.changed = False  # whether an article (so perhaps the tags in use) was added, edited or deleted

    async def add(self, article: NewArticle, now: datetime) -> Article:
        self.changed = True
        # ON CONFLICT DO NOTHING: a taken slug inserts nothing and raises nothing, so the transaction stays
        # usable for the caller's next attempt without a savepoint.
        inserted = await self._transaction.one(
            INSERT_ARTICLE,
            {
                "slug": article.slug,
                "author_id": article.author_id,
                "title": article.title,
                "description": article.description,
                "body": article.body,
                "tags": list(article.tags),
                "now": now,
            },
        )
        if inserted is None:
            raise AlreadyExists("slug")
        if not inserted.linked:
            # Nothing reads this result: it goes out with the commit.
            await relink(
                self._transaction, inserted.id, article.author_id, now, added=article.tags, removed=()
            )
        return Article(
            inserted.id,
            article.slug,
            article.author_id,
            article.title,
            article.description,
            article.body,
            article.tags,
            now,
            now,
        )

    async def get_by_slug(self, slug: Slug) -> Article | None:
        article = await self._transaction.one(LOCK_ARTICLE, {"slug": slug})
        if article is not None:
            self._read[article.id] = article
        return article

    async def update(self, article: Article) -> None:
        self.changed = True
        before = self._read[article.id].tags
        await self._transaction.send(
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
        added, removed = set(article.tags) - set(before), set(before) - set(article.tags)
        if added:
            await add_names(self._transaction, added)
        if added or removed:
            await relink(
                self._transaction,
                article.id,
                article.author_id,
                article.created_at,
                added=added,
                removed=removed,
            )
        self._read[article.id] = article

    async def delete(self, article_id: ArticleId) -> None:
        self.changed = True
        article = self._read.pop(article_id)
        params = {"article_id": article_id, "author_id": article.author_id}
        # Nobody reads these results: they go out with the commit.
        for statement in (LOCK_AUTHOR_AND_FAVORITERS, UNCOUNT_AUTHOR_AND_FAVORITERS, DELETE_ARTICLE):
            await self._transaction.send(statement, params)
        await self._transaction.send(COUNT_ONE_LESS, params)
        await uncount(self._transaction, article.author_id, article.tags)

    async def favorite(self, article_id: ArticleId, user_id: UserId, now: datetime) -> bool:
        params = {"article_id": article_id, "user_id": user_id, "now": now}
        return await self._transaction.one(ADD_FAVORITE, params) is not None

    async def unfavorite(self, article_id: ArticleId, user_id: UserId) -> bool:
        params = {"article_id": article_id, "user_id": user_id}
        return await self._transaction.one(REMOVE_FAVORITE, params) is not None
