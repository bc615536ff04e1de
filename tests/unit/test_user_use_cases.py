from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

import pytest

from adapters.memory.attempts import InMemoryAttemptCounts
from adapters.memory.queries import InMemorySecurityStamps, InMemoryUserQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.lookalike_names import HomoglyphLookalikeNames
from adapters.security.tokens import JwtTokenService
from application.errors import AlreadyExists, AuthenticationFailed
from application.sessions import Authenticate
from application.throttling import Limit, LoginLimits, LoginThrottle
from application.users import (
    GetCurrentUser,
    LogIn,
    RegisterUser,
    ResetPassword,
    RevokeTokens,
    SignedIn,
    UpdateUser,
)
from domain.errors import InvalidInput
from domain.ids import UserId
from domain.users import FIRST_SECURITY_STAMP
from tests.support.fakes import FakePasswordHasher, SteppingClock

CLIENT = "198.51.100.7"
LogInFrom = Callable[[str, str], Awaitable[SignedIn]]


@pytest.fixture
def throttle() -> LoginThrottle:
    limits = LoginLimits(Limit(3, timedelta(minutes=15)), Limit(10, timedelta(minutes=15)))
    return LoginThrottle(InMemoryAttemptCounts(), limits)


@pytest.fixture
def register(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, tokens: JwtTokenService, clock: SteppingClock
) -> RegisterUser:
    return RegisterUser(uow, hasher, ZxcvbnCommonPasswords(), HomoglyphLookalikeNames(), tokens, clock)


@pytest.fixture
def log_in(
    store: InMemoryStore,
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: JwtTokenService,
    clock: SteppingClock,
    throttle: LoginThrottle,
) -> LogInFrom:
    return partial(LogIn(InMemoryUserQueries(store), uow, hasher, tokens, throttle, clock), client=CLIENT)


@pytest.fixture
def stamps(store: InMemoryStore) -> InMemorySecurityStamps:
    return InMemorySecurityStamps(store)


@pytest.fixture
def authenticate(tokens: JwtTokenService, stamps: InMemorySecurityStamps) -> Authenticate:
    return Authenticate(tokens, stamps)


@pytest.fixture
def update(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: JwtTokenService,
    stamps: InMemorySecurityStamps,
    clock: SteppingClock,
) -> UpdateUser:
    return UpdateUser(uow, hasher, ZxcvbnCommonPasswords(), HomoglyphLookalikeNames(), tokens, stamps, clock)


async def test_registering_stores_a_hashed_password_and_signs_in(
    register: RegisterUser, store: InMemoryStore, tokens: JwtTokenService
) -> None:
    signed_in = await register("alice", "alice@example.com", "correct horse")
    record = store.state.users[signed_in.user.id]
    assert record.user.username == "alice"
    assert record.password_hash.value != "correct horse"
    assert tokens.claims(signed_in.token).user_id == signed_in.user.id


async def test_registering_reports_every_invalid_field(register: RegisterUser, store: InMemoryStore) -> None:
    with pytest.raises(InvalidInput) as raised:
        await register("", "not-an-email", "short")
    assert set(raised.value.problems) == {"username", "email", "password"}
    assert store.state.users == {}


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [("ALICE", "other@example.com", "username"), ("bob", "Alice@Example.com", "email")],
)
async def test_taken_names_are_case_insensitive(
    register: RegisterUser, username: str, email: str, field: str
) -> None:
    await register("alice", "alice@example.com", "pass-phrase-1")
    with pytest.raises(AlreadyExists) as raised:
        await register(username, email, "pass-phrase-2")
    assert raised.value.field == field


async def test_log_in_with_any_case_of_the_email(register: RegisterUser, log_in: LogInFrom) -> None:
    registered = await register("alice", "alice@example.com", "pass-phrase-1")
    signed_in = await log_in("ALICE@example.com", "pass-phrase-1")
    assert signed_in.user == registered.user


async def test_wrong_password_and_unknown_email_fail_alike(
    register: RegisterUser, log_in: LogInFrom, hasher: FakePasswordHasher
) -> None:
    await register("alice", "alice@example.com", "pass-phrase-1")
    with pytest.raises(AuthenticationFailed) as wrong_password:
        await log_in("alice@example.com", "pass-phrase-2")
    with pytest.raises(AuthenticationFailed) as unknown_email:
        await log_in("nobody@example.com", "pass-phrase-1")
    assert str(wrong_password.value) == str(unknown_email.value)
    assert hasher.wasted == ["pass-phrase-1"], "an unknown email must cost a verification too"


async def test_log_in_refuses_blank_and_oversized_input_before_hashing(log_in: LogInFrom) -> None:
    with pytest.raises(InvalidInput) as raised:
        await log_in("", "x" * 1025)
    assert set(raised.value.problems) == {"email", "password"}


async def test_log_in_upgrades_an_outdated_hash(
    register: RegisterUser, store: InMemoryStore, clock: SteppingClock, throttle: LoginThrottle
) -> None:
    registered = await register("alice", "alice@example.com", "pass-phrase-1")
    newer = FakePasswordHasher(scheme="newer")
    tokens = JwtTokenService("unit-test-secret-that-is-long-enough-for-hs256", 3600, clock)
    accounts = InMemoryUserQueries(store)
    use = LogIn(accounts, InMemoryUnitOfWork(store), newer, tokens, throttle, clock)
    await use("alice@example.com", "pass-phrase-1", CLIENT)
    assert store.state.users[registered.user.id].password_hash.value == "newer$pass-phrase-1"


async def test_update_changes_only_given_fields(
    register: RegisterUser, update: UpdateUser, log_in: LogInFrom
) -> None:
    alice = (await register("alice", "alice@example.com", "pass-phrase-1")).user
    updated = (
        await update(alice.id, bio="I write", image="https://example.com/a.png", password="pass-phrase-2")
    ).user
    assert (updated.username, updated.email, updated.bio, updated.image) == (
        "alice",
        "alice@example.com",
        "I write",
        "https://example.com/a.png",
    )
    await log_in("alice@example.com", "pass-phrase-2")
    cleared = (await update(alice.id, remove_image=True)).user
    assert cleared.image == ""
    assert cleared.bio == "I write"


async def test_update_to_a_taken_username_is_refused_and_changes_nothing(
    register: RegisterUser, update: UpdateUser, store: InMemoryStore
) -> None:
    await register("alice", "alice@example.com", "pass-phrase-1")
    bob = (await register("bob", "bob@example.com", "pass-phrase-1")).user
    with pytest.raises(AlreadyExists):
        await update(bob.id, username="Alice", bio="changed")
    assert store.state.users[bob.id].user.bio == ""


async def test_renamed_user_keeps_their_token_and_the_old_name_is_free(
    register: RegisterUser, update: UpdateUser, store: InMemoryStore, tokens: JwtTokenService
) -> None:
    alice = await register("alice", "alice@example.com", "pass-phrase-1")
    await update(alice.user.id, username="alicia")
    mallory = await register("alice", "mallory@example.com", "pass-phrase-1")
    current = GetCurrentUser(InMemoryUserQueries(store))
    assert (await current(tokens.claims(alice.token).user_id)).username == "alicia"
    assert (await current(tokens.claims(mallory.token).user_id)).email == "mallory@example.com"


async def test_current_user_that_no_longer_exists_is_an_authentication_failure(
    store: InMemoryStore,
) -> None:
    with pytest.raises(AuthenticationFailed):
        await GetCurrentUser(InMemoryUserQueries(store))(UserId(42))


async def test_a_new_password_revokes_every_earlier_token_and_issues_one_that_works(
    register: RegisterUser, log_in: LogInFrom, update: UpdateUser, authenticate: Authenticate
) -> None:
    registered = await register("alice", "alice@example.com", "pass-phrase-1")
    elsewhere = await log_in("alice@example.com", "pass-phrase-1")
    changed = await update(registered.user.id, password="pass-phrase-2")
    for earlier in (registered.token, elsewhere.token):
        with pytest.raises(AuthenticationFailed, match="revoked"):
            await authenticate(earlier)
    assert changed.new_token is not None
    assert await authenticate(changed.new_token) == registered.user.id
    assert (
        await authenticate((await log_in("alice@example.com", "pass-phrase-2")).token) == registered.user.id
    )


async def test_other_changes_keep_every_token(
    register: RegisterUser, update: UpdateUser, authenticate: Authenticate
) -> None:
    alice = await register("alice", "alice@example.com", "pass-phrase-1")
    changed = await update(
        alice.user.id, username="alicia", email="a@example.com", bio="b", image="https://x.io/a.png"
    )
    assert changed.new_token is None
    assert await authenticate(alice.token) == alice.user.id


async def test_an_operator_revokes_tokens_or_resets_a_password_and_tokens_go(
    register: RegisterUser,
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    stamps: InMemorySecurityStamps,
    clock: SteppingClock,
    log_in: LogInFrom,
    authenticate: Authenticate,
) -> None:
    alice = await register("alice", "alice@example.com", "pass-phrase-1")
    await RevokeTokens(uow, stamps, clock)("ALICE")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        await authenticate(alice.token)
    again = await log_in("alice@example.com", "pass-phrase-1")
    await ResetPassword(uow, hasher, ZxcvbnCommonPasswords(), stamps, clock)("alice", "pass-phrase-2")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        await authenticate(again.token)
    assert await authenticate((await log_in("alice@example.com", "pass-phrase-2")).token) == alice.user.id


async def test_a_signed_token_of_no_user_is_refused(
    tokens: JwtTokenService, authenticate: Authenticate
) -> None:
    with pytest.raises(AuthenticationFailed, match="no longer exists"):
        await authenticate(tokens.issue(UserId(42), FIRST_SECURITY_STAMP))


TOO_COMMON = "is too common or too easy to guess; choose another"


async def test_a_common_password_is_refused_beside_the_other_problems(register: RegisterUser) -> None:
    with pytest.raises(InvalidInput) as raised:
        await register("alice", "not-an-email", "password123")
    assert raised.value.problems == {"email": ["is invalid"], "password": [TOO_COMMON]}
    with pytest.raises(InvalidInput) as raised:
        await register("wanderlust", "w@example.com", "Wanderlust")
    assert raised.value.problems == {"password": [TOO_COMMON]}


async def test_a_common_password_is_refused_as_a_change_and_as_a_reset(
    register: RegisterUser,
    update: UpdateUser,
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    stamps: InMemorySecurityStamps,
    clock: SteppingClock,
    store: InMemoryStore,
) -> None:
    alice = (await register("alice", "alice@example.com", "pass-phrase-1")).user
    with pytest.raises(InvalidInput) as raised:
        await update(alice.id, password="qwertyuiop")
    assert raised.value.problems == {"password": [TOO_COMMON]}
    with pytest.raises(InvalidInput):
        await ResetPassword(uow, hasher, ZxcvbnCommonPasswords(), stamps, clock)("alice", "iloveyou2")
    assert store.state.users[alice.id].password_hash.value == "fake$pass-phrase-1"
