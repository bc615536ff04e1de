"""Users as the read side sees them: accounts, profiles, and the administrators' directory."""

from adapters.postgres.pool import Pool, read
from adapters.postgres.replicas import ReplicaSet, reads_from
from adapters.postgres.statements import Statement
from application.views import (
    Credentials,
    ProfileQueries,
    ProfileView,
    UserDirectory,
    UserQueries,
    UserSummary,
)
from domain.ids import UserId
from domain.pagination import Page
from domain.users import User, username_key

SELECT_USER = Statement("SELECT id, username, email, bio, image FROM users WHERE id = %(id)s", User)

# lower(email) is what the unique index on emails holds, so the lookup uses it.
SELECT_CREDENTIALS = Statement(
    """
    SELECT id AS user_id, username AS user_username, email AS user_email, bio AS user_bio,
           image AS user_image, password_hash AS password_hash_value, security_stamp
    FROM users WHERE lower(email) = lower(%(email)s)
    """,
    Credentials,
)

SELECT_PROFILE = Statement(
    """
    SELECT u.username, u.bio, u.image,
           EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(viewer)s AND f.followee_id = u.id)
               AS following
    FROM users u WHERE u.username_key = %(username_key)s
    """,
    ProfileView,
)

# Code point order (COLLATE "C"), as the in-memory twin sorts, whatever the database's collation.
SELECT_USERS = Statement(
    """
    SELECT username, email FROM users ORDER BY username_key COLLATE "C"
    LIMIT %(limit)s OFFSET %(offset)s
    """,
    UserSummary,
)


class PgUserQueries(UserQueries):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def get(self, user_id: UserId) -> User | None:
        rows = await read(self._pool, SELECT_USER, {"id": user_id})
        return rows[0] if rows else None

    async def credentials(self, email: str) -> Credentials | None:
        rows = await read(self._pool, SELECT_CREDENTIALS, {"email": email})
        return rows[0] if rows else None


class PgProfileQueries(ProfileQueries):
    def __init__(self, pool: Pool, replicas: ReplicaSet | None = None) -> None:
        self._rows = reads_from(pool, replicas)

    async def get(self, username: str, viewer: UserId | None) -> ProfileView | None:
        params = {"username_key": username_key(username), "viewer": viewer}
        rows = await self._rows(SELECT_PROFILE, params)
        return rows[0] if rows else None


class PgUserDirectory(UserDirectory):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def everyone(self, page: Page) -> tuple[UserSummary, ...]:
        return tuple(await read(self._pool, SELECT_USERS, {"limit": page.limit, "offset": page.offset}))
