"""Budgets: failed logins per account and client and per client, and writes per user.

Brute force, throttled: failed logins are counted per account and client, and per client across accounts.

A count lives in a fixed window that opens at its first failure. Once a count reaches its limit, logins
it covers are refused (``RateLimited``, with the seconds until its window closes) without looking at the
password, so while throttled even the right one is refused. One client's failures never throttle another
client's logins to the same account: an attacker cannot lock a victim out. A successful login clears its
account's count for that client.

The counts are checked before the password is verified and added to after, so logins racing each other
may overshoot a limit by as many as verify at once (``password_hash_concurrency`` per process).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Limit:
    attempts: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class Window:
    count: int
    closes_at: datetime


class AttemptCounts(Protocol):
    """Counts by key, shared by every process; a window that has closed counts as none."""

    async def open_windows(self, keys: Sequence[str], now: datetime) -> dict[str, Window]:
        """The windows still open at ``now`` among ``keys``'s."""
        ...

    async def add(self, windows: Mapping[str, timedelta], now: datetime) -> None:
        """Count one more for each key: in its open window, or in one opening now for that long."""
        ...

    async def clear(self, key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account: Limit  # failures for one account from one client
    per_client: Limit  # failures from one client, whichever accounts


class LoginThrottle:
    def __init__(self, counts: AttemptCounts, limits: LoginLimits) -> None:
        self._counts, self._limits = counts, limits

    async def check(self, account: str, client: str, now: datetime) -> bool:
        """Raise ``RateLimited`` when a login for ``account`` from ``client`` is throttled; else say
        whether that pair has failures counted (which a success then clears)."""
        keys = _keys(account, client)
        windows = await self._counts.open_windows(keys, now)
        limits = (self._limits.per_account, self._limits.per_client)
        for key, limit in zip(keys, limits, strict=True):
            window = windows.get(key)
            if window is not None and window.count >= limit.attempts:
                seconds = max(1, math.ceil((window.closes_at - now).total_seconds()))
                raise RateLimited(f"too many failed logins; try again in {seconds} seconds", seconds, "login")
        return keys[0] in windows

    async def failed(self, account: str, client: str, now: datetime) -> None:
        pair, alone = _keys(account, client)
        await self._counts.add(
            {pair: self._limits.per_account.window, alone: self._limits.per_client.window}, now
        )

    async def succeeded(self, account: str, client: str) -> None:
        await self._counts.clear(_keys(account, client)[0])


@dataclass(frozen=True, slots=True)
class WriteLimit:
    """A user's writes (publishing, commenting, favoriting, following, and undoing them) are a budget of
    ``burst`` that refills by ``per_minute``: a burst is fine, a flood is refused until it refills."""

    per_minute: float
    burst: int


@dataclass(frozen=True, slots=True)
class Budget:
    left: float  # writes that may be made now, fractions refilling
    at: datetime


def spend_write(budget: Budget | None, limit: WriteLimit, now: datetime) -> Budget:
    """The budget after one more write at ``now``; ``RateLimited`` when none is left, the budget then
    untouched. (adapters/postgres/write_budgets.py says the same in SQL.)"""
    if budget is None:
        left = float(limit.burst)
    else:
        refill = max(0.0, (now - budget.at).total_seconds()) * limit.per_minute / 60
        left = min(float(limit.burst), budget.left + refill)
    if left < 1:
        raise writes_spent(math.ceil((1 - left) * 60 / limit.per_minute))
    return Budget(left - 1, now if budget is None else max(budget.at, now))


def writes_spent(retry_after: int) -> RateLimited:
    return RateLimited(f"too many writes; try again in {retry_after} seconds", retry_after, "writes")


def _keys(account: str, client: str) -> tuple[str, str]:
    return f"login|{client}|{account.strip().lower()}", f"login|{client}"
