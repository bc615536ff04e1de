from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from adapters.postgres.errors import translated_errors
from adapters.postgres.pool import execute
from application.ports import UserRepository
from domain.ids import UserId
from domain.users import NewUser, PasswordHash, User, UserChanges

INSERT_USER = """
INSERT INTO users (username, email, password_hash, bio, image, created_at, updated_at)
VALUES (%(username)s, %(email)s, %(password_hash)s, %(bio)s, %(image)s, %(now)s, %(now)s)
RETURNING id, username, email, bio, image
"""

SELECT_USER_BY_ID = "SELECT id, username, email, bio, image FROM users WHERE id = %(id)s"

# lower() matches the unique indexes, so these lookups use them.
SELECT_USER_BY_USERNAME = (
    "SELECT id, username, email, bio, image FROM users WHERE lower(username) = lower(%(username)s)"
)

SELECT_CREDENTIALS = (
    "SELECT id, username, email, bio, image, password_hash FROM users WHERE lower(email) = lower(%(email)s)"
)

UPDATE_USER = """
UPDATE users SET
    username = coalesce(%(username)s, username),
    email = coalesce(%(email)s, email),
    password_hash = coalesce(%(password_hash)s, password_hash),
    bio = coalesce(%(bio)s, bio),
    image = CASE WHEN %(clear_image)s THEN NULL ELSE coalesce(%(image)s, image) END,
    updated_at = %(now)s
WHERE id = %(id)s
RETURNING id, username, email, bio, image
"""


FOLLOW = """
INSERT INTO follows (follower_id, followee_id, created_at) VALUES (%(follower)s, %(followee)s, %(now)s)
ON CONFLICT DO NOTHING
RETURNING 1
"""

# Results are read, not row counts: in pipeline mode a count is known only once the result is.
UNFOLLOW = "DELETE FROM follows WHERE follower_id = %(follower)s AND followee_id = %(followee)s RETURNING 1"


@dataclass(slots=True)
class _CredentialsRow:
    id: int
    username: str
    email: str
    bio: str
    image: str | None
    password_hash: str


def _user(row: tuple[int, str, str, str, str | None]) -> User:
    user_id, username, email, bio, image = row
    return User(UserId(user_id), username, email, bio, image)


class PgUserRepository(UserRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: NewUser, now: datetime) -> User:
        params = {
            "username": user.username,
            "email": user.email,
            "password_hash": user.password_hash.value,
            "bio": user.bio,
            "image": user.image,
            "now": now,
        }
        with translated_errors():
            cursor = await execute(self._conn, INSERT_USER, params)
            row = await cursor.fetchone()
        assert row is not None
        return _user(row)

    async def get(self, user_id: UserId) -> User | None:
        cursor = await execute(self._conn, SELECT_USER_BY_ID, {"id": user_id})
        row = await cursor.fetchone()
        return None if row is None else _user(row)

    async def get_by_username(self, username: str) -> User | None:
        cursor = await execute(self._conn, SELECT_USER_BY_USERNAME, {"username": username})
        row = await cursor.fetchone()
        return None if row is None else _user(row)

    async def find_credentials(self, email: str) -> tuple[User, PasswordHash] | None:
        async with self._conn.cursor(row_factory=class_row(_CredentialsRow)) as cursor:
            await cursor.execute(SELECT_CREDENTIALS, {"email": email})
            row = await cursor.fetchone()
        if row is None:
            return None
        user = User(UserId(row.id), row.username, row.email, row.bio, row.image)
        return user, PasswordHash(row.password_hash)

    async def update(self, user_id: UserId, changes: UserChanges, now: datetime) -> User | None:
        params = {
            "id": user_id,
            "username": changes.username,
            "email": changes.email,
            "password_hash": None if changes.password_hash is None else changes.password_hash.value,
            "bio": changes.bio,
            "image": changes.image,
            "clear_image": changes.clear_image,
            "now": now,
        }
        with translated_errors():
            cursor = await execute(self._conn, UPDATE_USER, params)
            row = await cursor.fetchone()
        return None if row is None else _user(row)

    async def follow(self, follower: UserId, followee: UserId, now: datetime) -> bool:
        with translated_errors():
            cursor = await execute(
                self._conn, FOLLOW, {"follower": follower, "followee": followee, "now": now}
            )
            return await cursor.fetchone() is not None

    async def unfollow(self, follower: UserId, followee: UserId) -> bool:
        cursor = await execute(self._conn, UNFOLLOW, {"follower": follower, "followee": followee})
        return await cursor.fetchone() is not None
