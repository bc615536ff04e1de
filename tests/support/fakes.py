"""Hand-written fakes for the ports that are slow or non-deterministic in real life."""

from datetime import UTC, datetime, timedelta

from application.ports import Clock, PasswordHasher
from domain.users import PasswordHash


class FakePasswordHasher(PasswordHasher):
    """Reversible "hashing" keeps unit tests in microseconds; the Argon2 adapter has tests of its own."""

    def __init__(self, scheme: str = "fake") -> None:
        self.scheme = scheme
        self.wasted: list[str] = []
        self.verified: list[str] = []

    async def hash(self, password: str) -> PasswordHash:
        return PasswordHash(f"{self.scheme}${password}")

    async def verify(self, password: str, hashed: PasswordHash) -> bool:
        self.verified.append(password)
        return hashed.value.partition("$")[2] == password

    def needs_rehash(self, hashed: PasswordHash) -> bool:
        return not hashed.value.startswith(f"{self.scheme}$")

    async def waste_time(self, password: str) -> None:
        self.wasted.append(password)


class SteppingClock(Clock):
    """Starts at the real current time (tokens must not look expired) and advances one millisecond a call;
    ``advance`` moves it on, so a test says how much time passes instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = (start or datetime.now(UTC)).replace(microsecond=0)

    def now(self) -> datetime:
        self.current += timedelta(milliseconds=1)
        return self.current

    def advance(self, by: timedelta) -> None:
        self.current += by
