"""Brute force against LogIn: per account and client, per client across accounts, by the clock; and the
write budget's rule."""

from datetime import timedelta

import pytest

from adapters.memory.attempts import InMemoryAttemptCounts
from adapters.memory.queries import InMemoryUserQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.lookalike_names import HomoglyphLookalikeNames
from adapters.security.tokens import JwtTokenService
from application.errors import AuthenticationFailed, RateLimited
from application.throttling import Limit, LoginLimits, LoginThrottle, WriteLimit, spend_write
from application.users import LogIn, RegisterUser
from tests.support.fakes import FakePasswordHasher, SteppingClock

WINDOW = timedelta(minutes=15)
ATTACKER, VICTIM = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def log_in(
    store: InMemoryStore, hasher: FakePasswordHasher, tokens: JwtTokenService, clock: SteppingClock
) -> LogIn:
    throttle = LoginThrottle(InMemoryAttemptCounts(), LoginLimits(Limit(3, WINDOW), Limit(5, WINDOW)))
    return LogIn(InMemoryUserQueries(store), InMemoryUnitOfWork(store), hasher, tokens, throttle, clock)


@pytest.fixture
async def accounts(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, tokens: JwtTokenService, clock: SteppingClock
) -> None:
    register = RegisterUser(uow, hasher, ZxcvbnCommonPasswords(), HomoglyphLookalikeNames(), tokens, clock)
    for name in ("alice", "bob", "carol", "dave", "erin", "frank", "grace"):
        await register(name, f"{name}@example.com", "pass-phrase-1")


async def fail(log_in: LogIn, email: str, client: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            await log_in(email, "wrong-password", client)


@pytest.mark.usefixtures("accounts")
async def test_an_account_is_throttled_for_one_client_even_with_the_right_password(
    log_in: LogIn, hasher: FakePasswordHasher, clock: SteppingClock
) -> None:
    await fail(log_in, "alice@example.com", ATTACKER, times=3)
    clock.advance(timedelta(minutes=5))
    verified = len(hasher.verified)
    with pytest.raises(RateLimited) as throttled:
        await log_in("ALICE@example.com ", "pass-phrase-1", ATTACKER)
    assert throttled.value.retry_after == 600
    assert "too many failed logins" in str(throttled.value)
    assert len(hasher.verified) == verified, "a throttled login is refused before its password is looked at"
    # Neither another account from that client nor that account from another client is affected.
    assert (await log_in("bob@example.com", "pass-phrase-1", ATTACKER)).user.username == "bob"
    assert (await log_in("alice@example.com", "pass-phrase-1", VICTIM)).user.username == "alice"


@pytest.mark.usefixtures("accounts")
async def test_the_throttle_expires_with_its_window(log_in: LogIn, clock: SteppingClock) -> None:
    await fail(log_in, "alice@example.com", ATTACKER, times=3)
    clock.advance(WINDOW)
    assert (await log_in("alice@example.com", "pass-phrase-1", ATTACKER)).user.username == "alice"


@pytest.mark.usefixtures("accounts")
async def test_a_success_clears_the_accounts_count_for_that_client(log_in: LogIn) -> None:
    await fail(log_in, "alice@example.com", VICTIM, times=2)
    await log_in("alice@example.com", "pass-phrase-1", VICTIM)
    await fail(log_in, "alice@example.com", VICTIM, times=2)
    assert (await log_in("alice@example.com", "pass-phrase-1", VICTIM)).user.username == "alice"


@pytest.mark.usefixtures("accounts")
async def test_spraying_one_password_over_many_accounts_meets_the_clients_ceiling(log_in: LogIn) -> None:
    for name in ("alice", "bob", "carol", "dave", "erin"):
        await fail(log_in, f"{name}@example.com", ATTACKER)
    with pytest.raises(RateLimited):
        await log_in("frank@example.com", "pass-phrase-1", ATTACKER)
    with pytest.raises(RateLimited):
        await log_in("nobody@example.com", "pass-phrase-1", ATTACKER)
    assert (await log_in("frank@example.com", "pass-phrase-1", VICTIM)).user.username == "frank"


@pytest.mark.usefixtures("accounts")
async def test_unknown_emails_count_like_wrong_passwords(log_in: LogIn) -> None:
    await fail(log_in, "nobody@example.com", ATTACKER, times=3)
    with pytest.raises(RateLimited):
        await log_in("nobody@example.com", "anything", ATTACKER)


LIMIT = WriteLimit(per_minute=6, burst=3)  # one write back every 10 s


def test_a_write_budget_allows_a_burst_then_refills_by_its_rate() -> None:
    start = SteppingClock().now()
    budget = None
    for _ in range(3):
        budget = spend_write(budget, LIMIT, start)
    with pytest.raises(RateLimited) as refused:
        spend_write(budget, LIMIT, start + timedelta(seconds=4))
    assert refused.value.retry_after == 6
    assert str(refused.value) == "too many writes; try again in 6 seconds"
    again = spend_write(budget, LIMIT, start + timedelta(seconds=10))
    assert again.left == pytest.approx(0)
    full = spend_write(again, LIMIT, start + timedelta(hours=1))
    assert full.left == pytest.approx(LIMIT.burst - 1), "a budget never refills past its burst"


def test_a_clock_behind_the_last_write_refills_nothing() -> None:
    start = SteppingClock().now()
    budget = spend_write(spend_write(None, LIMIT, start), LIMIT, start)
    earlier = spend_write(budget, LIMIT, start - timedelta(minutes=5))
    assert (earlier.left, earlier.at) == (pytest.approx(0), start)
