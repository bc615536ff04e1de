"""The state every in-memory adapter shares, standing in for the database."""

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import datetime

from domain.ids import UserId
from domain.users import PasswordHash, User


@dataclass(slots=True)
class UserRecord:
    user: User
    password_hash: PasswordHash
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class State:
    users: dict[UserId, UserRecord] = field(default_factory=dict)
    last_user_id: int = 0

    def snapshot(self) -> "State":
        return copy.deepcopy(self)


class InMemoryStore:
    """Holds the committed state. One unit of work at a time: serializable, and nothing to retry."""

    def __init__(self) -> None:
        self.state = State()
        self.lock = asyncio.Lock()
