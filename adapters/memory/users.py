from dataclasses import replace
from datetime import datetime

from adapters.memory.store import State, UserRecord
from application.errors import AlreadyExists, AuthenticationFailed, NotFound
from application.ports import UserRepository
from domain.ids import UserId
from domain.users import NewUser, User, UserChanges, username_key


class InMemoryUserRepository(UserRepository):
    def __init__(self, state: State) -> None:
        self._state = state

    async def add(self, user: NewUser, now: datetime) -> User:
        self._ensure_free(None, user.username, user.email)
        self._state.last_user_id += 1
        stored = User(UserId(self._state.last_user_id), user.username, user.email, user.bio, user.image)
        self._state.users[stored.id] = UserRecord(stored, user.password_hash, user.security_stamp, now, now)
        return stored

    async def get_by_username(self, username: str) -> User | None:
        return self._state.user_named(username)

    async def update(self, user_id: UserId, changes: UserChanges, now: datetime) -> User | None:
        record = self._state.users.get(user_id)
        if record is None:
            return None
        self._ensure_free(user_id, changes.username, changes.email)
        user = record.user
        record.user = replace(
            user,
            username=changes.username if changes.username is not None else user.username,
            email=changes.email if changes.email is not None else user.email,
            bio=changes.bio if changes.bio is not None else user.bio,
            image=changes.image if changes.image is not None else user.image,
        )
        if changes.password_hash is not None:
            record.password_hash = changes.password_hash
        if changes.security_stamp is not None:
            record.security_stamp = changes.security_stamp
        record.updated_at = now
        return record.user

    async def follow(self, follower: UserId, followee: UserId, now: datetime) -> bool:
        if follower not in self._state.users:
            raise AuthenticationFailed("user no longer exists")
        if followee not in self._state.users:
            raise NotFound("profile")
        if (follower, followee) in self._state.follows:
            return False
        self._state.follows[(follower, followee)] = now
        return True

    async def unfollow(self, follower: UserId, followee: UserId) -> bool:
        return self._state.follows.pop((follower, followee), None) is not None

    def _ensure_free(self, owner: UserId | None, username: str | None, email: str | None) -> None:
        for record in self._state.users.values():
            if record.user.id == owner:
                continue
            if username is not None and username_key(record.user.username) == username_key(username):
                raise AlreadyExists("username")
            if email is not None and record.user.email.lower() == email.lower():
                raise AlreadyExists("email")
