"""The AttemptCounts contract: what the login throttle counts on, alike in memory and in PostgreSQL."""

import asyncio
from datetime import timedelta

from application.throttling import Window
from tests.contract.conftest import START, Backend, minutes

QUARTER = timedelta(minutes=15)


async def test_counts_start_at_the_first_attempt_and_grow_in_their_window(backend: Backend) -> None:
    counts = backend.attempts
    assert await counts.open_windows(["a", "b"], START) == {}
    await counts.add({"a": QUARTER, "b": timedelta(minutes=5)}, START)
    await counts.add({"a": QUARTER}, minutes(3))
    closes = START + QUARTER
    assert await counts.open_windows(["a", "b", "c"], minutes(4)) == {
        "a": Window(2, closes),
        "b": Window(1, minutes(5)),
    }


async def test_a_closed_window_counts_as_none_and_the_next_attempt_opens_another(backend: Backend) -> None:
    counts = backend.attempts
    for _ in range(3):
        await counts.add({"a": QUARTER}, START)
    assert await counts.open_windows(["a"], minutes(15)) == {}
    await counts.add({"a": QUARTER}, minutes(20))
    assert await counts.open_windows(["a"], minutes(21)) == {"a": Window(1, minutes(35))}


async def test_clearing_one_key_leaves_the_others(backend: Backend) -> None:
    counts = backend.attempts
    await counts.add({"a": QUARTER, "b": QUARTER}, START)
    await counts.clear("a")
    await counts.clear("never counted")
    assert await counts.open_windows(["a", "b"], START) == {"b": Window(1, START + QUARTER)}


async def test_keys_are_told_apart_exactly(backend: Backend) -> None:
    counts = backend.attempts
    await counts.add({"login|::1|Ab@x.io": QUARTER}, START)
    assert await counts.open_windows(["login|::1|ab@x.io", "login|::1"], START) == {}


async def test_concurrent_attempts_are_each_counted(backend: Backend) -> None:
    counts = backend.attempts
    await asyncio.gather(*(counts.add({"a": QUARTER, "b": QUARTER}, START) for _ in range(20)))
    windows = await counts.open_windows(["a", "b"], START)
    assert (windows["a"].count, windows["b"].count) == (20, 20)
