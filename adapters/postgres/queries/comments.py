"""Comments as readers see them."""

from dataclasses import dataclass

from adapters.postgres.pool import Pool
from adapters.postgres.replicas import ReplicaSet, reads_from
from adapters.postgres.statements import Statement
from application.views import CommentQueries, CommentView
from domain.ids import CommentId, Slug, UserId


@dataclass(slots=True)  # a row, read and dropped: cheaper to build unfrozen
class OnArticle:
    comment: CommentView | None  # None on the one row of an article without comments


# LEFT JOIN from the article: no row means no article, one row of NULLs means no comments.
SELECT_COMMENTS = Statement(
    """
    SELECT c.id AS comment_id, c.created_at AS comment_created_at, c.updated_at AS comment_updated_at,
           c.body AS comment_body,
           u.username AS comment_author_username, u.bio AS comment_author_bio,
           u.image AS comment_author_image,
           EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(viewer)s AND f.followee_id = u.id)
               AS comment_author_following
    FROM articles a
    LEFT JOIN comments c ON c.article_id = a.id
    LEFT JOIN users u ON u.id = c.author_id
    WHERE a.slug = %(slug)s
    ORDER BY c.created_at DESC, c.id DESC
    """,
    OnArticle,
)

SELECT_COMMENT = Statement(
    """
    SELECT c.id, c.created_at, c.updated_at, c.body,
           u.username AS author_username, u.bio AS author_bio, u.image AS author_image,
           EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(viewer)s AND f.followee_id = u.id)
               AS author_following
    FROM comments c JOIN users u ON u.id = c.author_id
    WHERE c.id = %(id)s
    """,
    CommentView,
)


class PgCommentQueries(CommentQueries):
    def __init__(self, pool: Pool, replicas: ReplicaSet | None = None) -> None:
        self._rows = reads_from(pool, replicas)

    async def for_article(self, slug: Slug, viewer: UserId | None) -> list[CommentView] | None:
        rows = await self._rows(SELECT_COMMENTS, {"slug": slug, "viewer": viewer})
        if not rows:
            return None
        return [row.comment for row in rows if row.comment is not None]

    async def get(self, comment_id: CommentId, viewer: UserId | None) -> CommentView | None:
        rows = await self._rows(SELECT_COMMENT, {"id": comment_id, "viewer": viewer})
        return rows[0] if rows else None
