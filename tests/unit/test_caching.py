import asyncio

import pytest

from adapters.caching import CachedTagQueries


class CountingTags:
    """Answers the tags as they were when asked, a little later (``slowly``: later still)."""

    def __init__(self) -> None:
        self.calls, self.tags, self.slowly = 0, ["a"], False
        self.asked = asyncio.Event()

    async def in_use(self) -> list[str]:
        self.calls += 1
        self.asked.set()
        tags, delay = list(self.tags), 0.05 if self.slowly else 0.01
        self.slowly = False
        await asyncio.sleep(delay)
        return tags


async def test_a_fresh_result_is_reused_and_an_old_one_refreshed() -> None:
    inner, now = CountingTags(), [0.0]
    cached = CachedTagQueries(inner, max_age=1.0, now=lambda: now[0])
    assert await cached.in_use() == ["a"]
    inner.tags = ["a", "b"]
    now[0] = 0.9
    assert await cached.in_use() == ["a"]
    now[0] = 1.1
    assert await cached.in_use() == ["a", "b"]
    assert inner.calls == 2


async def test_concurrent_callers_share_one_refresh() -> None:
    inner = CountingTags()
    cached = CachedTagQueries(inner, max_age=1.0)
    results = await asyncio.gather(*(cached.in_use() for _ in range(20)))
    assert results == [["a"]] * 20
    assert inner.calls == 1


async def test_zero_max_age_always_asks() -> None:
    inner = CountingTags()
    cached = CachedTagQueries(inner, max_age=0)
    await cached.in_use()
    await cached.in_use()
    assert inner.calls == 2


async def test_a_failed_refresh_is_retried_by_the_next_caller() -> None:
    class Flaky(CountingTags):
        async def in_use(self) -> list[str]:
            self.calls += 1
            if self.calls == 1:
                raise ConnectionError("database restarting")
            return ["a"]

    inner = Flaky()
    cached = CachedTagQueries(inner, max_age=1.0)
    with pytest.raises(ConnectionError):
        await cached.in_use()
    assert await cached.in_use() == ["a"]


async def test_forgetting_drops_the_list_and_any_refresh_begun_before() -> None:
    inner = CountingTags()
    cached = CachedTagQueries(inner, max_age=3600)
    assert await cached.in_use() == ["a"]
    cached.forget()
    inner.tags = ["a", "b"]
    assert await cached.in_use() == ["a", "b"]

    cached.forget()
    inner.slowly = True
    begun_before = asyncio.ensure_future(cached.in_use())
    inner.asked.clear()
    await inner.asked.wait()  # its read of the tags ("a", "b") is under way; it ends last
    cached.forget()
    inner.tags = ["c"]
    assert await cached.in_use() == ["c"]  # not joined to the read begun before
    assert await begun_before == ["a", "b"]
    assert await cached.in_use() == ["c"]  # nor overwritten by it
    assert inner.calls == 4
