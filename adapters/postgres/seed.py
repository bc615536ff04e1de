"""Loads a generated data set with COPY (not one statement per row), then sets every counter from the rows."""

from psycopg import AsyncConnection

from adapters.postgres.errors import translated_errors
from adapters.postgres.pool import Pool
from application.seeding import BulkLoader, Dataset
from domain.users import PasswordHash, username_key

HAS_USERS = "SELECT EXISTS (SELECT 1 FROM users)"

COPY_USERS = (
    "COPY users (username, username_key, email, password_hash, bio, created_at, updated_at) FROM STDIN"
)
COPY_ARTICLES = (
    "COPY articles (slug, author_id, title, description, body, tag_names, created_at, updated_at) FROM STDIN"
)
COPY_ARTICLE_TAGS = "COPY article_tags (article_id, tag_id, article_created_at) FROM STDIN"
COPY_FOLLOWS = "COPY follows (follower_id, followee_id, created_at) FROM STDIN"
COPY_FAVORITES = "COPY favorites (user_id, article_id, article_created_at, created_at) FROM STDIN"
COPY_COMMENTS = "COPY comments (article_id, author_id, body, created_at, updated_at) FROM STDIN"

USER_IDS = "SELECT username, id FROM users"
ARTICLE_IDS = "SELECT slug, id FROM articles"
INSERT_TAGS = """
INSERT INTO tags (name) SELECT unnest(%(names)s::text[]) ON CONFLICT (name) DO NOTHING;
"""
TAG_IDS = "SELECT name, id FROM tags"

RECOUNT = [
    """UPDATE users u SET article_count = c.n
       FROM (SELECT author_id, count(*) AS n FROM articles GROUP BY author_id) c WHERE u.id = c.author_id""",
    """UPDATE users u SET favorite_count = c.n
       FROM (SELECT user_id, count(*) AS n FROM favorites GROUP BY user_id) c WHERE u.id = c.user_id""",
    """UPDATE articles a SET favorites_count = c.n
       FROM (SELECT article_id, count(*) AS n FROM favorites GROUP BY article_id) c
       WHERE a.id = c.article_id""",
    """INSERT INTO tag_counts (tag_id, shard, article_count)
       SELECT at.tag_id, tag_count_shard(a.author_id), count(*)
       FROM article_tags at JOIN articles a ON a.id = at.article_id
       GROUP BY at.tag_id, tag_count_shard(a.author_id)""",
    """UPDATE article_count_shards s SET article_count =
       (SELECT count(*) FROM articles WHERE article_count_shard(author_id) = s.shard)""",
]
# After the load commits (VACUUM cannot run in a transaction): statistics for the planner, and a visibility
# map, without which the index-only scans of the list pages still visit every row's heap page until
# autovacuum comes round.
VACUUM = "VACUUM (ANALYZE) users, articles, tags, tag_counts, article_tags, follows, favorites, comments"
# A bulk load is not a request: the pool's statement timeout (CONDUIT_STATEMENT_TIMEOUT_MS) is for runaway
# queries, and a large load on a slow machine outlasts it. LOCAL ends with the load's transaction. The
# VACUUM runs outside one, so its setting lasts for the session: that is a connection of its own, to the
# server itself (through a transaction pooler, a session SET would stay on whichever server connection ran
# it, for other clients to inherit).
NO_TIMEOUT_IN_TRANSACTION = "SET LOCAL statement_timeout = 0"
NO_TIMEOUT_OPTIONS = "-c statement_timeout=0"


class PgBulkLoader(BulkLoader):
    def __init__(self, pool: Pool, direct_conninfo: str) -> None:
        self._pool, self._direct_conninfo = pool, direct_conninfo

    async def has_users(self) -> bool:
        with translated_errors():
            async with self._pool.connection() as conn:
                cursor = await conn.execute(HAS_USERS)
                row = await cursor.fetchone()
        return bool(row and row[0])

    async def load(self, dataset: Dataset, password_hash: PasswordHash) -> None:
        with translated_errors():
            await self._load(dataset, password_hash)
            await self._vacuum()

    async def _load(self, dataset: Dataset, password_hash: PasswordHash) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute(NO_TIMEOUT_IN_TRANSACTION)
            cursor = conn.cursor()
            first = dataset.articles[0].created_at if dataset.articles else None
            async with cursor.copy(COPY_USERS) as copy:
                for user in dataset.users:
                    await copy.write_row(
                        (
                            user.username,
                            username_key(user.username),
                            user.email,
                            password_hash.value,
                            user.bio,
                            first,
                            first,
                        )
                    )
            user_ids: dict[str, int] = dict(await (await conn.execute(USER_IDS)).fetchall())
            users = [user_ids[user.username] for user in dataset.users]

            names = sorted({tag for a in dataset.articles for tag in a.tags})
            await conn.execute(INSERT_TAGS, {"names": names})
            tag_ids: dict[str, int] = dict(await (await conn.execute(TAG_IDS)).fetchall())

            async with cursor.copy(COPY_ARTICLES) as copy:
                for a in dataset.articles:
                    row = (
                        a.slug,
                        users[a.author],
                        a.title,
                        a.description,
                        a.body,
                        list(a.tags),  # in tag order already (domain.articles.tag_list)
                        a.created_at,
                        a.created_at,
                    )
                    await copy.write_row(row)
            article_ids: dict[str, int] = dict(await (await conn.execute(ARTICLE_IDS)).fetchall())
            article_list = [(article_ids[a.slug], a.created_at) for a in dataset.articles]

            async with cursor.copy(COPY_ARTICLE_TAGS) as copy:
                for (article_id, created), a in zip(article_list, dataset.articles, strict=True):
                    for tag in a.tags:
                        await copy.write_row((article_id, tag_ids[tag], created))

            async with cursor.copy(COPY_FOLLOWS) as copy:
                for follower, followee in dataset.follows:
                    await copy.write_row((users[follower], users[followee], first))
            async with cursor.copy(COPY_FAVORITES) as copy:
                for fan, article in dataset.favorites:
                    article_id, created = article_list[article]
                    await copy.write_row((users[fan], article_id, created, created))
            async with cursor.copy(COPY_COMMENTS) as copy:
                for c in dataset.comments:
                    await copy.write_row(
                        (article_list[c.article][0], users[c.author], c.body, c.created_at, c.created_at)
                    )
            for statement in RECOUNT:
                await conn.execute(statement)

    async def _vacuum(self) -> None:
        conn = await AsyncConnection.connect(
            self._direct_conninfo, autocommit=True, options=NO_TIMEOUT_OPTIONS
        )
        async with conn:
            await conn.execute(VACUUM)
