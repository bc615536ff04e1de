"""Write budgets in PostgreSQL, shared by every process and host, spent inside the write's own unit of
work: sent with its other statements (no round trip of its own), and undone with it when it fails.

``SPEND`` is ``application.throttling.spend_write`` in SQL: it refills the user's budget and takes one
write, down to below zero; migration 0013's deferred trigger then refuses the COMMIT, which
``adapters.postgres.errors`` turns into ``RateLimited``. The budget's row stays locked until the unit of
work ends, so one user's writes queue behind each other, and never anybody else's.
"""

from datetime import datetime

from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from application.ports import WriteBudget
from application.throttling import WriteLimit
from domain.ids import UserId

# The refill counts from the last write, never backwards (hosts' clocks may differ a little).
SPEND = Statement(
    """
    INSERT INTO write_budgets AS b (user_id, writes_left, per_minute, counted_at)
    VALUES (%(user)s, %(burst)s - 1, %(per_minute)s, %(now)s)
    ON CONFLICT (user_id) DO UPDATE SET
        writes_left = least(
            %(burst)s,
            b.writes_left + greatest(0, extract(epoch FROM %(now)s - b.counted_at)) * %(per_minute)s / 60
        ) - 1,
        per_minute = %(per_minute)s,
        counted_at = greatest(b.counted_at, %(now)s)
    """
)


class PgWriteBudget(WriteBudget):
    def __init__(self, transaction: PipelinedTransaction, limit: WriteLimit | None) -> None:
        self._transaction, self._limit = transaction, limit

    async def spend(self, user_id: UserId, now: datetime) -> None:
        if self._limit is not None:
            params = {
                "user": user_id,
                "now": now,
                "per_minute": self._limit.per_minute,
                "burst": self._limit.burst,
            }
            await self._transaction.send(SPEND, params)
