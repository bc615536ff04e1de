"""The tags in use."""

from dataclasses import dataclass

from adapters.postgres.pool import Pool
from adapters.postgres.replicas import ReplicaSet, reads_from
from adapters.postgres.statements import Statement
from application.views import TagQueries
from domain.articles import most_used_first


@dataclass(slots=True)  # a row, read and dropped: cheaper to build unfrozen
class TagUse:
    name: str
    articles: int


# Ordered by domain.articles.most_used_first, not by the database's collation.
SELECT_TAGS_IN_USE = Statement(
    """
    SELECT t.name, c.n AS articles FROM tags t
    JOIN (SELECT tag_id, sum(article_count) AS n FROM tag_counts GROUP BY tag_id) c ON c.tag_id = t.id
    WHERE c.n > 0
    """,
    TagUse,
)


class PgTagQueries(TagQueries):
    def __init__(self, pool: Pool, replicas: ReplicaSet | None = None) -> None:
        self._rows = reads_from(pool, replicas)

    async def in_use(self) -> list[str]:
        return most_used_first({use.name: use.articles for use in await self._rows(SELECT_TAGS_IN_USE)})
