"""The SecurityStamps contract: every authenticated request asks it, so it must be right on every process."""

import asyncio
import time

from application.views import REVOCATION_SECONDS
from domain.ids import UserId
from domain.users import FIRST_SECURITY_STAMP, SecurityStamp, UserChanges
from tests.contract.conftest import START, Backend, nobody

REVOKED = SecurityStamp(77)


async def revoke(backend: Backend, user_id: UserId, stamp: SecurityStamp) -> None:
    async with backend.new_uow() as uow:
        await uow.users.update(user_id, UserChanges(security_stamp=stamp), START)
        await uow.commit()


async def test_a_users_stamp_is_known_and_no_users_is_none(backend: Backend) -> None:
    alice = await backend.user("alice")
    stamps = backend.new_stamps()
    assert await stamps.current(alice.id) == FIRST_SECURITY_STAMP
    assert await stamps.current(nobody()) is None


async def test_a_change_is_seen_at_once_where_it_was_made(backend: Backend) -> None:
    alice = await backend.user("alice")
    here = backend.new_stamps()
    assert await here.current(alice.id) == FIRST_SECURITY_STAMP
    await revoke(backend, alice.id, REVOKED)
    here.forget(alice.id)
    assert await here.current(alice.id) == REVOKED


async def test_a_change_reaches_another_process_within_the_revocation_bound(backend: Backend) -> None:
    alice, bob = await backend.user("alice"), await backend.user("bob")
    elsewhere = backend.new_stamps()
    assert await elsewhere.current(alice.id) == FIRST_SECURITY_STAMP
    assert await elsewhere.current(bob.id) == FIRST_SECURITY_STAMP
    await revoke(backend, alice.id, REVOKED)
    deadline = time.monotonic() + REVOCATION_SECONDS
    while await elsewhere.current(alice.id) != REVOKED:
        assert time.monotonic() < deadline, "the revocation did not arrive in time"
        await asyncio.sleep(0.01)
    assert await elsewhere.current(bob.id) == FIRST_SECURITY_STAMP


async def test_a_user_created_after_being_asked_for_is_then_known(backend: Backend) -> None:
    bob = await backend.user("bob")
    upcoming = UserId(bob.id + 1)
    stamps = backend.new_stamps()
    for _ in range(2):
        assert await stamps.current(upcoming) is None
    alice = await backend.user("alice")
    assert alice.id == upcoming
    assert await stamps.current(alice.id) == FIRST_SECURITY_STAMP
