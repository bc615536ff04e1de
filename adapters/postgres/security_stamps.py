"""Security stamps, asked for by every authenticated request, kept in each process's memory.

A user's stamp is read from PostgreSQL once per process, then kept. Every ``REVOCATION_SECONDS / 2`` the
next caller first reads the stamps changed lately, by any process, and updates those kept: so a revoked
token is refused everywhere within ``REVOCATION_SECONDS``, at the cost of one small indexed query per
interval per process, whatever the traffic. It works through PgBouncer and on replicas, which LISTEN
does not.

"Lately" reaches ``OVERLAP`` behind the previous read, by the database's clock: a change is stamped with
its statement's time but becomes visible at its COMMIT, so a change whose transaction was still open at
the previous read is read again at the next one. One kept longer than ``OVERLAP`` between its UPDATE and
its COMMIT could be missed by processes that already keep the user; Conduit's transactions last
milliseconds, and the statement timeout bounds each of their statements.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from adapters.postgres.pool import Pool, read
from adapters.postgres.statements import Statement
from application.views import REVOCATION_SECONDS, SecurityStamps
from domain.ids import UserId
from domain.users import SecurityStamp

OVERLAP: Final = timedelta(seconds=30)
KEPT_USERS: Final = 100_000

SELECT_STAMP = Statement("SELECT security_stamp FROM users WHERE id = %(id)s")

# One row even when nothing changed (its user id NULL), for the database's clock.
SELECT_CHANGED_STAMPS = Statement(
    """
    SELECT now() AS read_at, u.id, u.security_stamp
    FROM (SELECT) AS always
    LEFT JOIN users u ON u.security_stamp_changed_at > %(since)s::timestamptz
    """
)


class PgSecurityStamps(SecurityStamps):
    def __init__(
        self,
        pool: Pool,
        interval: float = REVOCATION_SECONDS / 2,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool, self._interval, self._now = pool, interval, now
        self._kept: dict[UserId, SecurityStamp] = {}
        self._next_refresh = 0.0
        self._refreshing = False
        self._since: datetime | None = None  # None until the first read: nothing is kept before it

    async def current(self, user_id: UserId) -> SecurityStamp | None:
        if self._now() >= self._next_refresh and not self._refreshing:
            await self._refresh()
        kept = self._kept.get(user_id)
        if kept is not None:
            return kept
        rows = await read(self._pool, SELECT_STAMP, {"id": user_id})
        if not rows:
            return None  # not kept: a user with this id may yet be created
        stamp = SecurityStamp(rows[0][0])
        if len(self._kept) >= KEPT_USERS:
            del self._kept[next(iter(self._kept))]  # the oldest entry
        self._kept[user_id] = stamp
        return stamp

    def forget(self, user_id: UserId) -> None:
        self._kept.pop(user_id, None)

    async def _refresh(self) -> None:
        self._refreshing = True
        try:
            since = self._since
            rows = await read(self._pool, SELECT_CHANGED_STAMPS, {"since": since})
        finally:
            self._refreshing = False
        for _, user_id, stamp in rows:
            if user_id in self._kept:
                self._kept[user_id] = stamp
        self._since = rows[0][0] - OVERLAP
        self._next_refresh = self._now() + self._interval
