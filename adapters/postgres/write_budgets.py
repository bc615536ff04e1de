"""Write budgets in PostgreSQL, shared by every process and host, spent inside the write's own unit of
work: the spend goes out with the COMMIT (no round trip of its own) and is undone with it when it fails.

``SPEND`` is ``application.throttling.spend_write`` in SQL, taking up to ``lease`` writes at one instant:
it refills the user's budget, then takes as many whole writes as are left, at most ``lease`` and at least
one, which may take it below zero; migration 0013's deferred trigger then refuses the COMMIT, which
``adapters.postgres.errors`` turns into ``RateLimited``. The writes taken beyond the first stay with the
process (``WriteLeases``) and are spent there without a statement: a process holds at most
``lease - 1`` of a user's writes that other processes cannot use, and never more than the budget is
spent in all.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from adapters.postgres.pool import Params
from adapters.postgres.statements import Statement
from application.ports import WriteBudget
from application.throttling import WriteLimit
from domain.ids import UserId

# A process takes up to this share of a user's burst at once: one statement per that many writes.
LEASED_SHARE: Final = 12
KEPT_USERS: Final = 100_000

# The refill counts from the last write, never backwards (hosts' clocks may differ a little).
SPEND = Statement(
    """
    INSERT INTO write_budgets AS b (user_id, writes_left, per_minute, counted_at, taken)
    VALUES (%(user)s, %(burst)s - %(lease)s, %(per_minute)s, %(now)s, %(lease)s)
    ON CONFLICT (user_id) DO UPDATE SET (writes_left, per_minute, counted_at, taken) = (
        SELECT left_now - taken_now, %(per_minute)s, greatest(b.counted_at, %(now)s), taken_now
        FROM (
            SELECT least(
                %(burst)s,
                b.writes_left
                    + greatest(0, extract(epoch FROM %(now)s - b.counted_at)) * %(per_minute)s / 60
            ) AS left_now
        ) AS refilled,
        LATERAL (SELECT greatest(1, least(%(lease)s, floor(left_now)))::integer AS taken_now) AS taking
    )
    RETURNING taken
    """
)


def lease_size(limit: WriteLimit) -> int:
    return max(1, limit.burst // LEASED_SHARE)


class WriteLeases:
    """The writes this process has taken from users' budgets and not yet spent: one per process."""

    def __init__(self) -> None:
        self._left: dict[UserId, int] = {}

    def take(self, user_id: UserId) -> bool:
        left = self._left.pop(user_id, 0)
        if left > 1:
            self._left[user_id] = left - 1
        return left > 0

    def give(self, user_id: UserId, writes: int) -> None:
        if writes > 0:
            if user_id not in self._left and len(self._left) >= KEPT_USERS:
                del self._left[next(iter(self._left))]  # the oldest: its writes are simply not made
            self._left[user_id] = self._left.get(user_id, 0) + writes


class PgWriteBudget(WriteBudget):
    """``reads`` is what the unit of work sends with its COMMIT; ``undo`` gives back a leased write when
    the unit of work does not commit."""

    def __init__(self, limit: WriteLimit | None, leases: WriteLeases | None) -> None:
        self._limit, self._leases = limit, leases
        self.reads: list[tuple[Statement[Any], Params, Callable[[list[Any]], None]]] = []
        self._leased: list[UserId] = []

    async def spend(self, user_id: UserId, now: datetime) -> None:
        if self._limit is None:
            return
        leases = self._leases
        if leases is not None and leases.take(user_id):
            self._leased.append(user_id)
            return
        lease = lease_size(self._limit) if leases is not None else 1
        params = {
            "user": user_id,
            "now": now,
            "per_minute": self._limit.per_minute,
            "burst": self._limit.burst,
            "lease": lease,
        }

        def keep_the_rest(rows: list[tuple[int]]) -> None:
            if leases is not None:
                leases.give(user_id, rows[0][0] - 1)

        self.reads.append((SPEND, params, keep_the_rest))

    def undo(self) -> None:
        if self._leases is not None:
            for user_id in self._leased:
                self._leases.give(user_id, 1)
        self._leased.clear()
