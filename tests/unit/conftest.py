import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.security.tokens import JwtTokenService
from tests.support.fakes import FakePasswordHasher, SteppingClock


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(store)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def tokens(clock: SteppingClock) -> JwtTokenService:
    return JwtTokenService("unit-test-secret-that-is-long-enough-for-hs256", 3600, clock)
