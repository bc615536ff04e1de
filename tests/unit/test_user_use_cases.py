import pytest

from adapters.memory.queries import InMemoryUserQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.security.tokens import JwtTokenService
from application.errors import AlreadyExists, AuthenticationFailed
from application.users import GetCurrentUser, LogIn, RegisterUser, UpdateUser
from domain.errors import InvalidInput
from domain.ids import UserId
from tests.support.fakes import FakePasswordHasher, SteppingClock


@pytest.fixture
def register(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, tokens: JwtTokenService, clock: SteppingClock
) -> RegisterUser:
    return RegisterUser(uow, hasher, tokens, clock)


@pytest.fixture
def log_in(
    store: InMemoryStore,
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: JwtTokenService,
    clock: SteppingClock,
) -> LogIn:
    return LogIn(InMemoryUserQueries(store), uow, hasher, tokens, clock)


@pytest.fixture
def update(uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: SteppingClock) -> UpdateUser:
    return UpdateUser(uow, hasher, clock)


async def test_registering_stores_a_hashed_password_and_signs_in(
    register: RegisterUser, store: InMemoryStore, tokens: JwtTokenService
) -> None:
    signed_in = await register("alice", "alice@example.com", "correct horse")
    record = store.state.users[signed_in.user.id]
    assert record.user.username == "alice"
    assert record.password_hash.value != "correct horse"
    assert tokens.subject(signed_in.token) == signed_in.user.id


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
    await register("alice", "alice@example.com", "password1")
    with pytest.raises(AlreadyExists) as raised:
        await register(username, email, "password2")
    assert raised.value.field == field


async def test_log_in_with_any_case_of_the_email(register: RegisterUser, log_in: LogIn) -> None:
    registered = await register("alice", "alice@example.com", "password1")
    signed_in = await log_in("ALICE@example.com", "password1")
    assert signed_in.user == registered.user


async def test_wrong_password_and_unknown_email_fail_alike(
    register: RegisterUser, log_in: LogIn, hasher: FakePasswordHasher
) -> None:
    await register("alice", "alice@example.com", "password1")
    with pytest.raises(AuthenticationFailed) as wrong_password:
        await log_in("alice@example.com", "password2")
    with pytest.raises(AuthenticationFailed) as unknown_email:
        await log_in("nobody@example.com", "password1")
    assert str(wrong_password.value) == str(unknown_email.value)
    assert hasher.wasted == ["password1"], "an unknown email must cost a verification too"


async def test_log_in_refuses_blank_and_oversized_input_before_hashing(log_in: LogIn) -> None:
    with pytest.raises(InvalidInput) as raised:
        await log_in("", "x" * 1025)
    assert set(raised.value.problems) == {"email", "password"}


async def test_log_in_upgrades_an_outdated_hash(
    register: RegisterUser, store: InMemoryStore, clock: SteppingClock
) -> None:
    registered = await register("alice", "alice@example.com", "password1")
    newer = FakePasswordHasher(scheme="newer")
    tokens = JwtTokenService("unit-test-secret-that-is-long-enough-for-hs256", 3600, clock)
    accounts = InMemoryUserQueries(store)
    await LogIn(accounts, InMemoryUnitOfWork(store), newer, tokens, clock)("alice@example.com", "password1")
    assert store.state.users[registered.user.id].password_hash.value == "newer$password1"


async def test_update_changes_only_given_fields(
    register: RegisterUser, update: UpdateUser, log_in: LogIn
) -> None:
    alice = (await register("alice", "alice@example.com", "password1")).user
    updated = await update(alice.id, bio="I write", image="https://example.com/a.png", password="password2")
    assert (updated.username, updated.email, updated.bio, updated.image) == (
        "alice",
        "alice@example.com",
        "I write",
        "https://example.com/a.png",
    )
    await log_in("alice@example.com", "password2")
    cleared = await update(alice.id, remove_image=True)
    assert cleared.image == ""
    assert cleared.bio == "I write"


async def test_update_to_a_taken_username_is_refused_and_changes_nothing(
    register: RegisterUser, update: UpdateUser, store: InMemoryStore
) -> None:
    await register("alice", "alice@example.com", "password1")
    bob = (await register("bob", "bob@example.com", "password1")).user
    with pytest.raises(AlreadyExists):
        await update(bob.id, username="Alice", bio="changed")
    assert store.state.users[bob.id].user.bio == ""


async def test_renamed_user_keeps_their_token_and_the_old_name_is_free(
    register: RegisterUser, update: UpdateUser, store: InMemoryStore, tokens: JwtTokenService
) -> None:
    alice = await register("alice", "alice@example.com", "password1")
    await update(alice.user.id, username="alicia")
    mallory = await register("alice", "mallory@example.com", "password1")
    current = GetCurrentUser(InMemoryUserQueries(store))
    assert (await current(tokens.subject(alice.token))).username == "alicia"
    assert (await current(tokens.subject(mallory.token))).email == "mallory@example.com"


async def test_current_user_that_no_longer_exists_is_an_authentication_failure(
    store: InMemoryStore,
) -> None:
    with pytest.raises(AuthenticationFailed):
        await GetCurrentUser(InMemoryUserQueries(store))(UserId(42))
