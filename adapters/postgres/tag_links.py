"""An article's tag links and the per-tag counts they feed, changed inside the article's unit of work.

Tag count rows are locked in tag id order, after the article's own rows (see articles.py), so no two
writers can deadlock; each statement here locks its tag count rows in one pass.
"""

from collections.abc import Collection
from datetime import datetime

from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from domain.ids import ArticleId, UserId

# Tags are shared rows, and a vocabulary: a missing name is added, an existing row is never locked or
# rewritten (DO NOTHING), so articles sharing a popular tag do not queue behind each other.
ADD_NAMES = Statement(
    """
    INSERT INTO tags (name) SELECT unnest(%(names)s::text[]) AS name ORDER BY name
    ON CONFLICT (name) DO NOTHING
    """
)

# Links the added tags, unlinks the removed ones, and counts each change in the (tag, author's shard) row
# of tag_counts, all in one statement so those rows are locked in one pass, in tag id order. The names
# are resolved by subqueries of a statement of its own, so it sees the names the previous statement
# (ADD_NAMES or INSERT_ARTICLE) just added, or waited for another transaction to add.
RELINK_TAGS = Statement(
    """
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
    SELECT change.tag_id, tag_count_shard(%(author_id)s), change.delta
    FROM (SELECT * FROM linked UNION ALL SELECT * FROM unlinked) AS change
    ORDER BY change.tag_id
    ON CONFLICT (tag_id, shard)
        DO UPDATE SET article_count = tag_counts.article_count + EXCLUDED.article_count
    """
)

UNCOUNT = Statement(
    """
    UPDATE tag_counts SET article_count = article_count - 1
    WHERE (tag_id, shard) IN (
        SELECT c.tag_id, c.shard FROM tag_counts c JOIN tags t ON t.id = c.tag_id
        WHERE t.name = ANY(%(names)s::text[]) AND c.shard = tag_count_shard(%(author_id)s)
        ORDER BY c.tag_id
        FOR NO KEY UPDATE OF c
    )
    """
)


async def add_names(transaction: PipelinedTransaction, names: Collection[str]) -> None:
    """Add the names the vocabulary lacks (nobody reads the result: it goes out with the next read)."""
    await transaction.send(ADD_NAMES, {"names": sorted(names)})


async def relink(
    transaction: PipelinedTransaction,
    article_id: ArticleId,
    author_id: UserId,
    created_at: datetime,
    *,
    added: Collection[str],
    removed: Collection[str],
) -> None:
    params = {
        "article_id": article_id,
        "author_id": author_id,
        "created_at": created_at,
        "added": sorted(added),
        "removed": sorted(removed),
    }
    await transaction.send(RELINK_TAGS, params)


async def uncount(transaction: PipelinedTransaction, author_id: UserId, names: Collection[str]) -> None:
    """One article less for each of ``names``, in the author's shard (the article is being deleted)."""
    if names:
        await transaction.send(UNCOUNT, {"author_id": author_id, "names": list(names)})
