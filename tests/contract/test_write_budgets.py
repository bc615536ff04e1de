"""The WriteBudget contract: a user's writes are refused beyond their budget, and a refused unit of work
changes nothing, the spending included; other users are unaffected."""

from datetime import timedelta

import pytest

from application.errors import RateLimited
from application.throttling import WriteLimit
from domain.users import User, UserChanges
from tests.contract.conftest import START, Backend

LIMIT = WriteLimit(per_minute=6, burst=3)  # one write back every 10 s


async def write_bio(backend: Backend, user: User, bio: str, seconds: float = 0) -> None:
    now = START + timedelta(seconds=seconds)
    async with backend.limited_uow(LIMIT) as uow:
        await uow.writes.spend(user.id, now)
        await uow.users.update(user.id, UserChanges(bio=bio), now)
        await uow.commit()


async def bio_of(backend: Backend, user: User) -> str:
    found = await backend.accounts.get(user.id)
    assert found is not None
    return found.bio


async def test_writes_beyond_the_budget_are_refused_and_change_nothing(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    for n in range(LIMIT.burst):
        await write_bio(backend, alice, f"write {n}")
    with pytest.raises(RateLimited) as refused:
        await write_bio(backend, alice, "one too many", seconds=4)
    assert refused.value.retry_after == 6
    assert await bio_of(backend, alice) == "write 2"
    await write_bio(backend, bob, "bob is unaffected", seconds=4)
    # The refused write spent nothing: one is back after 10 s, as if it had never been tried.
    await write_bio(backend, alice, "refilled", seconds=10)
    assert await bio_of(backend, alice) == "refilled"
    with pytest.raises(RateLimited):
        await write_bio(backend, alice, "spent again", seconds=10)


async def spend_and_fail(backend: Backend, user: User) -> None:
    async with backend.limited_uow(LIMIT) as uow:
        await uow.writes.spend(user.id, START)
        raise RuntimeError("the write failed")


async def test_a_failed_unit_of_work_spends_nothing(backend: Backend) -> None:
    alice = await backend.user("alice")
    for _ in range(LIMIT.burst + 2):
        with pytest.raises(RuntimeError):
            await spend_and_fail(backend, alice)
    for n in range(LIMIT.burst):
        await write_bio(backend, alice, f"write {n}")
