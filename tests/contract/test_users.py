"""The UserRepository and UnitOfWork contract: what both adapters must do alike."""

from datetime import UTC, datetime

import pytest

from application.errors import AlreadyExists
from application.views import Credentials
from domain.ids import UserId
from domain.users import (
    FIRST_SECURITY_STAMP,
    NO_IMAGE,
    NewUser,
    PasswordHash,
    SecurityStamp,
    User,
    UserChanges,
)
from tests.contract.conftest import Backend

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
STAMP = SecurityStamp(9_000_000_000_000_000_001)


def new_user(name: str, email: str | None = None, stamp: SecurityStamp = FIRST_SECURITY_STAMP) -> NewUser:
    return NewUser(name, email or f"{name}@example.com", PasswordHash(f"hash-of-{name}"), stamp)


async def add(backend: Backend, user: NewUser) -> User:
    async with backend.new_uow() as uow:
        stored = await uow.users.add(user, NOW)
        await uow.commit()
    return stored


async def test_added_user_can_be_read_back_every_way(backend: Backend) -> None:
    alice = await add(backend, new_user("Alice", stamp=STAMP))
    assert alice == User(alice.id, "Alice", "Alice@example.com", "", "")
    async with backend.new_uow() as uow:
        assert await uow.users.get_by_username("aLiCe") == alice
        assert await uow.users.get_by_username("bob") is None
    assert await backend.accounts.get(alice.id) == alice
    assert await backend.accounts.get(UserId(alice.id + 1000)) is None
    assert await backend.accounts.credentials("ALICE@example.com") == Credentials(
        alice, PasswordHash("hash-of-Alice"), STAMP
    )
    assert await backend.accounts.credentials("bob@example.com") is None


async def test_ids_are_distinct_and_increasing(backend: Backend) -> None:
    first = await add(backend, new_user("first"))
    second = await add(backend, new_user("second"))
    assert second.id > first.id


@pytest.mark.parametrize(
    ("taken", "field"),
    [(new_user("ALICE", "other@example.com"), "username"), (new_user("bob", "Alice@EXAMPLE.com"), "email")],
)
async def test_taken_username_or_email_raises_already_exists(
    backend: Backend, taken: NewUser, field: str
) -> None:
    await add(backend, new_user("alice"))
    with pytest.raises(AlreadyExists) as raised:
        await add(backend, taken)
    assert raised.value.field == field


async def test_update_applies_only_given_changes(backend: Backend) -> None:
    alice = await add(backend, new_user("alice"))
    changes = UserChanges(
        bio="hello",
        image="https://example.com/a.png",
        password_hash=PasswordHash("new"),
        security_stamp=STAMP,
    )
    async with backend.new_uow() as uow:
        updated = await uow.users.update(alice.id, changes, NOW)
        await uow.commit()
    assert updated == User(alice.id, "alice", "alice@example.com", "hello", "https://example.com/a.png")
    credentials = await backend.accounts.credentials("alice@example.com")
    assert credentials == Credentials(updated, PasswordHash("new"), STAMP)
    async with backend.new_uow() as uow:
        cleared = await uow.users.update(alice.id, UserChanges(image=NO_IMAGE, username="alicia"), NOW)
        await uow.commit()
    assert cleared == User(alice.id, "alicia", "alice@example.com", "hello", "")


async def test_update_to_a_taken_value_raises_already_exists(backend: Backend) -> None:
    await add(backend, new_user("alice"))
    bob = await add(backend, new_user("bob"))
    async with backend.new_uow() as uow:
        with pytest.raises(AlreadyExists) as raised:
            await uow.users.update(bob.id, UserChanges(email="ALICE@example.com"), NOW)
    assert raised.value.field == "email"


async def test_update_may_keep_ones_own_values_in_another_case(backend: Backend) -> None:
    alice = await add(backend, new_user("alice"))
    async with backend.new_uow() as uow:
        updated = await uow.users.update(alice.id, UserChanges(username="ALICE"), NOW)
        await uow.commit()
    assert updated is not None
    assert updated.username == "ALICE"


async def test_update_of_a_missing_user_returns_none(backend: Backend) -> None:
    async with backend.new_uow() as uow:
        assert await uow.users.update(UserId(12345), UserChanges(bio="x"), NOW) is None


async def test_leaving_without_commit_discards_changes(backend: Backend) -> None:
    async with backend.new_uow() as uow:
        await uow.users.add(new_user("ghost"), NOW)
    async with backend.new_uow() as uow:
        assert await uow.users.get_by_username("ghost") is None


async def test_an_error_inside_the_block_discards_changes(backend: Backend) -> None:
    async def add_then_fail() -> None:
        async with backend.new_uow() as uow:
            await uow.users.add(new_user("ghost"), NOW)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await add_then_fail()
    async with backend.new_uow() as uow:
        assert await uow.users.get_by_username("ghost") is None


async def test_a_failed_statement_does_not_poison_later_units_of_work(backend: Backend) -> None:
    await add(backend, new_user("alice"))
    with pytest.raises(AlreadyExists):
        await add(backend, new_user("alice"))
    bob = await add(backend, new_user("bob"))
    async with backend.new_uow() as uow:
        assert await uow.users.get_by_username("bob") == bob


@pytest.mark.parametrize(
    ("stored", "taken"),
    [
        ("stuser", "\uff53\uff54\uff55\uff53\uff45\uff52"),
        ("Stra\u00dfe", "STRASSE"),
        ("Caf\u00e9", "CAFE\u0301"),
    ],
    ids=["fullwidth", "sharp-s", "combining-accent"],
)
async def test_usernames_are_one_name_after_nfkc_and_case_folding(
    backend: Backend, stored: str, taken: str
) -> None:
    user = await add(backend, new_user(stored))
    with pytest.raises(AlreadyExists) as raised:
        await add(backend, new_user(taken, "other@example.com"))
    assert raised.value.field == "username"
    async with backend.new_uow() as uow:
        assert await uow.users.get_by_username(taken) == user
    profile = await backend.profiles.get(taken, None)
    assert profile is not None
    assert profile.username == stored
