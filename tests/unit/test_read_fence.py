"""Read-your-writes bookkeeping (adapters/postgres/consistency.py): what a request's reads must see, what
the process remembers of each user's writes and for how long, and the cookie that carries a position."""

import asyncio

import pytest

from adapters.postgres.consistency import UNKNOWN_POSITION, RecentWrites, committed, current_fence

SECRET = "a-secret-of-thirty-two-bytes-or-more!!"


def test_a_commit_outside_any_request_is_no_ones_business() -> None:
    async def outside() -> None:
        committed(42)  # the worker's, say
        assert current_fence() is None

    asyncio.run(outside())


def test_a_user_who_wrote_reads_after_that_position_until_it_is_no_longer_needed() -> None:
    writes = RecentWrites(keep_seconds=0.2, secret=SECRET)

    async def request(user: int, position: int | None = None) -> int:
        fence = writes.fence()
        fence.read_as(user)
        after = fence.after
        if position is not None:
            committed(position)
        writes.remember(fence)
        return after

    async def scenario() -> None:
        assert await request(1, position=1000) == 0
        assert await request(1) == 1000
        assert await request(2) == 0, "another user's reads are not held back"
        await asyncio.sleep(0.25)
        assert await request(1) == 0, "kept longer than a replica in rotation may lack the write"

    asyncio.run(scenario())


def test_a_commit_whose_position_was_lost_sends_its_user_to_the_primary() -> None:
    writes = RecentWrites(keep_seconds=5, secret=SECRET)

    async def scenario() -> None:
        fence = writes.fence()
        fence.read_as(7)
        committed(None)
        writes.remember(fence)
        later = writes.fence()
        later.read_as(7)
        assert later.after == UNKNOWN_POSITION

    asyncio.run(scenario())


def test_the_cookie_carries_a_position_this_service_sealed_and_nothing_else() -> None:
    writes = RecentWrites(keep_seconds=5, secret=SECRET)

    async def sealed(position: int) -> str:
        fence = writes.fence()
        committed(position)
        cookie = writes.remember(fence)
        assert cookie is not None
        return cookie

    cookie = asyncio.run(sealed(123456))

    async def carried(value: str) -> int:
        return writes.fence(value).after

    assert asyncio.run(carried(cookie)) == 123456
    value, _, mac = cookie.partition(".")
    assert asyncio.run(carried(f"999999999.{mac}")) == 0, "a forged position"
    assert asyncio.run(carried(value)) == 0, "an unsealed one"
    other = RecentWrites(keep_seconds=5, secret="another-secret-of-thirty-two-bytes!!")
    assert asyncio.run(_carried_by(other, cookie)) == 0, "sealed with another secret"
    for junk in ("", ".", "²³.x", "-1.abc", "1" * 40 + ".x"):
        assert asyncio.run(carried(junk)) == 0, junk


async def _carried_by(writes: RecentWrites, cookie: str) -> int:
    return writes.fence(cookie).after


def test_a_request_without_writes_sets_no_cookie() -> None:
    writes = RecentWrites(keep_seconds=5, secret=SECRET)

    async def scenario() -> str | None:
        fence = writes.fence()
        fence.read_as(3)
        return writes.remember(fence)

    assert asyncio.run(scenario()) is None


@pytest.mark.parametrize("users", [1, 50])
def test_the_memory_forgets_what_expired(users: int) -> None:
    writes = RecentWrites(keep_seconds=0.05, secret=SECRET)

    async def scenario() -> None:
        for user in range(users):
            fence = writes.fence()
            fence.read_as(user)
            committed(10 + user)
            writes.remember(fence)
        await asyncio.sleep(0.06)
        fence = writes.fence()
        fence.read_as(10_000)
        committed(1)
        writes.remember(fence)

    asyncio.run(scenario())
    assert writes.remembered() == 1
