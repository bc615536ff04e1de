"""Ports: what the use cases need from the outside world, as structural protocols."""

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from domain.ids import UserId
from domain.users import NewUser, PasswordHash, User, UserChanges


class UserRepository(Protocol):
    async def add(self, user: NewUser, now: datetime) -> User:
        """Store a new user; raise ``AlreadyExists("username" | "email")`` on a taken value."""
        ...

    async def get(self, user_id: UserId) -> User | None: ...

    async def get_by_username(self, username: str) -> User | None:
        """Case-insensitive lookup."""
        ...

    async def find_credentials(self, email: str) -> tuple[User, PasswordHash] | None:
        """Case-insensitive lookup by email, with the stored hash for verification."""
        ...

    async def update(self, user_id: UserId, changes: UserChanges, now: datetime) -> User | None:
        """Apply ``changes``; None when the user is gone; ``AlreadyExists`` on a taken value."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without ``commit()`` discards every change made in it."""

    users: UserRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> PasswordHash: ...

    async def verify(self, password: str, hashed: PasswordHash) -> bool: ...

    def needs_rehash(self, hashed: PasswordHash) -> bool:
        """True when ``hashed`` was made with weaker parameters than today's."""
        ...

    async def waste_time(self, password: str) -> None:
        """Cost as much as a verification, so an unknown email answers as slowly as a known one."""
        ...


class TokenService(Protocol):
    def issue(self, user_id: UserId) -> str: ...

    def subject(self, token: str) -> UserId:
        """The user a valid token names; ``AuthenticationFailed`` when it is expired, forged or malformed."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class DatabaseProbe(Protocol):
    async def schema_revision(self) -> str | None:
        """The schema's migration revision; raises if the database cannot be reached."""
        ...
