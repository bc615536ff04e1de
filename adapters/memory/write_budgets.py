"""Write budgets in the in-memory store, by the rule itself (``application.throttling.spend_write``)."""

from datetime import datetime

from adapters.memory.store import State
from application.ports import WriteBudget
from application.throttling import WriteLimit, spend_write
from domain.ids import UserId


class InMemoryWriteBudget(WriteBudget):
    def __init__(self, state: State, limit: WriteLimit | None) -> None:
        self._state, self._limit = state, limit

    async def spend(self, user_id: UserId, now: datetime) -> None:
        if self._limit is not None:
            budgets = self._state.write_budgets
            budgets[user_id] = spend_write(budgets.get(user_id), self._limit, now)
