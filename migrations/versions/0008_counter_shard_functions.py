"""which shard of a counter a change counts in, defined once, as SQL functions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

The article count lives in 16 shards (0004) and each tag's count in 8 per tag (0005), chosen by the
author's id. The moduli were written into every statement that counts; these functions are now the one
definition, used by the write path, the bulk loader and the tests' recounts. They are immutable SQL
expressions, so PostgreSQL inlines them: a call plans and runs like the expression it stands for.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION article_count_shard(author_id bigint) RETURNS smallint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN (author_id % 16)::smallint
        """
    )
    op.execute(
        """
        CREATE FUNCTION tag_count_shard(author_id bigint) RETURNS smallint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN (author_id % 8)::smallint
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION tag_count_shard(bigint)")
    op.execute("DROP FUNCTION article_count_shard(bigint)")
