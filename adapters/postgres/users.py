"""Users and follows, inside a unit of work."""

from datetime import datetime

from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from application.ports import UserRepository
from domain.ids import UserId
from domain.users import NewUser, User, UserChanges, username_key

INSERT_USER = Statement(
    """
    INSERT INTO users (username, username_key, email, password_hash, security_stamp, bio, image, created_at,
                       updated_at)
    VALUES (%(username)s, %(username_key)s, %(email)s, %(password_hash)s, %(security_stamp)s, %(bio)s,
            %(image)s, %(now)s, %(now)s)
    RETURNING id, username, email, bio, image
    """,
    User,
)

# By the key the unique index holds (domain.users.username_key), which every lookup by username compares.
SELECT_USER_BY_USERNAME = Statement(
    "SELECT id, username, email, bio, image FROM users WHERE username_key = %(username_key)s", User
)

UPDATE_USER = Statement(
    """
    UPDATE users SET
        username = coalesce(%(username)s, username),
        username_key = coalesce(%(username_key)s, username_key),
        email = coalesce(%(email)s, email),
        password_hash = coalesce(%(password_hash)s, password_hash),
        bio = coalesce(%(bio)s, bio),
        image = coalesce(%(image)s, image),
        security_stamp = coalesce(%(security_stamp)s, security_stamp),
        -- The database's clock, as adapters/postgres/security_stamps.py reads changes by it.
        security_stamp_changed_at = CASE WHEN %(security_stamp)s::bigint IS NULL
            THEN security_stamp_changed_at ELSE statement_timestamp() END,
        updated_at = %(now)s
    WHERE id = %(id)s
    RETURNING id, username, email, bio, image
    """,
    User,
)

# Results are read, not row counts: in pipeline mode a count is known only once the result is.
FOLLOW = Statement(
    """
    INSERT INTO follows (follower_id, followee_id, created_at) VALUES (%(follower)s, %(followee)s, %(now)s)
    ON CONFLICT DO NOTHING
    RETURNING 1
    """
)

UNFOLLOW = Statement(
    "DELETE FROM follows WHERE follower_id = %(follower)s AND followee_id = %(followee)s RETURNING 1"
)


class PgUserRepository(UserRepository):
    def __init__(self, transaction: PipelinedTransaction) -> None:
        self._transaction = transaction

    async def add(self, user: NewUser, now: datetime) -> User:
        params = {
            "username": user.username,
            "username_key": username_key(user.username),
            "email": user.email,
            "password_hash": user.password_hash.value,
            "security_stamp": user.security_stamp,
            "bio": user.bio,
            "image": user.image,
            "now": now,
        }
        added = await self._transaction.one(INSERT_USER, params)
        assert added is not None
        return added

    async def get_by_username(self, username: str) -> User | None:
        return await self._transaction.one(SELECT_USER_BY_USERNAME, {"username_key": username_key(username)})

    async def update(self, user_id: UserId, changes: UserChanges, now: datetime) -> User | None:
        params = {
            "id": user_id,
            "username": changes.username,
            "username_key": None if changes.username is None else username_key(changes.username),
            "email": changes.email,
            "password_hash": None if changes.password_hash is None else changes.password_hash.value,
            "bio": changes.bio,
            "image": changes.image,
            "security_stamp": changes.security_stamp,
            "now": now,
        }
        return await self._transaction.one(UPDATE_USER, params)

    async def follow(self, follower: UserId, followee: UserId, now: datetime) -> bool:
        return (
            await self._transaction.one(FOLLOW, {"follower": follower, "followee": followee, "now": now})
            is not None
        )

    async def unfollow(self, follower: UserId, followee: UserId) -> bool:
        return await self._transaction.one(UNFOLLOW, {"follower": follower, "followee": followee}) is not None
