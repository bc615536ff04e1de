"""articles, tags, favorites, follows, comments, with the counters that keep list counts O(1)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Counters are maintained in the same transaction as the change they count (see adapters/postgres/articles.py):
articles.favorites_count, users.article_count and users.favorite_count, tags.article_count and
article_totals.article_count. Favorites and tag links copy their article's (immutable) created_at so the
"favorited by" and "tagged" lists are read in order straight from one index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE users
            ADD COLUMN article_count integer NOT NULL DEFAULT 0 CHECK (article_count >= 0),
            ADD COLUMN favorite_count integer NOT NULL DEFAULT 0 CHECK (favorite_count >= 0)
        """
    )
    op.execute(
        """
        CREATE TABLE follows (
            follower_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            followee_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (follower_id, followee_id),
            CONSTRAINT follows_not_self CHECK (follower_id <> followee_id)
        )
        """
    )
    op.execute("CREATE INDEX follows_followee_idx ON follows (followee_id)")
    op.execute(
        """
        CREATE TABLE articles (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            slug text NOT NULL,
            author_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            title text NOT NULL,
            description text NOT NULL,
            body text NOT NULL,
            favorites_count integer NOT NULL DEFAULT 0 CHECK (favorites_count >= 0),
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX articles_slug_key ON articles (slug)")
    op.execute("CREATE INDEX articles_recent_idx ON articles (created_at DESC, id DESC)")
    op.execute("CREATE INDEX articles_author_recent_idx ON articles (author_id, created_at DESC, id DESC)")
    op.execute(
        """
        CREATE TABLE article_totals (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            article_count bigint NOT NULL CHECK (article_count >= 0)
        )
        """
    )
    op.execute("INSERT INTO article_totals (article_count) VALUES (0)")
    op.execute(
        """
        CREATE TABLE tags (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL,
            article_count integer NOT NULL DEFAULT 0 CHECK (article_count >= 0)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX tags_name_key ON tags (name)")
    op.execute("CREATE INDEX tags_popular_idx ON tags (article_count DESC, name)")
    op.execute(
        """
        CREATE TABLE article_tags (
            article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            tag_id bigint NOT NULL REFERENCES tags (id),
            article_created_at timestamptz NOT NULL,
            PRIMARY KEY (article_id, tag_id)
        )
        """
    )
    op.execute(
        "CREATE INDEX article_tags_recent_idx ON article_tags (tag_id, article_created_at DESC, article_id DESC)"
    )
    op.execute(
        """
        CREATE TABLE favorites (
            user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            article_created_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (user_id, article_id)
        )
        """
    )
    op.execute(
        "CREATE INDEX favorites_recent_idx ON favorites (user_id, article_created_at DESC, article_id DESC)"
    )
    op.execute("CREATE INDEX favorites_article_idx ON favorites (article_id)")
    op.execute(
        """
        CREATE TABLE comments (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            author_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            body text NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX comments_article_recent_idx ON comments (article_id, created_at DESC, id DESC)")
    op.execute("CREATE INDEX comments_author_idx ON comments (author_id)")


def downgrade() -> None:
    op.execute("DROP TABLE comments, favorites, article_tags, tags, article_totals, articles, follows")
    op.execute("ALTER TABLE users DROP COLUMN favorite_count, DROP COLUMN article_count")
