"""Read replicas: which server each read of the query ports goes to, and what each replica is worth now.

A read goes to a replica in rotation, taken in turn, or else to the primary. A replica is in rotation while
it answers and is at most ``max_lag`` behind the primary; it serves a request only once it has replayed the
request's fence too (consistency.py: what the request's user committed). A read that fails on a replica is
read again from the primary, and the replica stays out until a check finds it answering.

``watch`` checks a few times per ``max_lag``, over connections of its own, so a busy pool never makes a
replica look late: the primary's position first, then each replica's. How late a replica is needs no clock
but this process's: the checks remember when the primary was at which position, and a replica that has
replayed position P has all that the primary had when it was last seen at P or before. So the lag it is
judged by is never less than its real one, and grows by itself while the primary or the replica is silent.
"""

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, LiteralString, Protocol, TypeVar

import psycopg
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict

from adapters.postgres.consistency import UNKNOWN_POSITION, current_fence
from adapters.postgres.pool import Params, Pool, read
from adapters.postgres.statements import Statement
from application.errors import StorageUnavailable
from application.ports import ReplicaState

log = logging.getLogger("conduit.replicas")

R = TypeVar("R")

# Positions as byte offsets (bigint), so they compare as numbers on both sides.
PRIMARY_POSITION: LiteralString = "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint"
REPLICA_POSITION: LiteralString = (
    "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"
)
LONGEST_CHECK_INTERVAL = 0.1


class Rows(Protocol):
    """How a query adapter reads: the rows of one statement, from wherever reads go."""

    async def __call__(self, statement: Statement[R], params: Params | None = None) -> list[R]: ...


def reads_from(pool: Pool, replicas: "ReplicaSet | None") -> Rows:
    """The primary's pool alone, or the replicas with the primary behind them."""
    if replicas is None:
        return functools.partial(read, pool)
    return replicas.rows


def described(conninfo: str) -> str:
    """host:port/database of a URL: how a replica is named in logs, /readyz and metrics (no password)."""
    params = conninfo_to_dict(conninfo)
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}/{params.get('dbname') or ''}"


@dataclass(slots=True)
class Replica:
    conninfo: str
    pool: Pool
    name: str = ""
    replayed: int = -1  # the position it had replayed at the last check
    caught_up_at: float = float("-inf")  # it has all that the primary had then (monotonic time)
    trouble: str | None = "not checked yet"
    monitor: AsyncConnection | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name or described(self.conninfo)


class ReplicaSet:
    def __init__(
        self, primary: Pool, primary_conninfo: str, replicas: Sequence[Replica], *, max_lag_seconds: float
    ) -> None:
        self._primary, self._primary_conninfo = primary, primary_conninfo
        self.replicas = tuple(replicas)
        self.max_lag = max_lag_seconds
        self.check_every = min(LONGEST_CHECK_INTERVAL, max_lag_seconds / 4)
        self._seen: deque[tuple[float, int]] = deque()  # (when, the primary's position then), oldest first
        self._primary_monitor: AsyncConnection | None = None
        self._turn = 0

    async def rows(self, statement: Statement[R], params: Params | None = None) -> list[R]:
        """The rows of a read, from a replica that may serve this request, or else from the primary."""
        replica = self._choose()
        if replica is not None:
            try:
                return await read(replica.pool, statement, params)
            except StorageUnavailable as error:
                replica.trouble = f"a read failed: {error}"
                log.warning("replica %s out of rotation: %s", replica.name, replica.trouble)
        return await read(self._primary, statement, params)

    def _choose(self) -> Replica | None:
        fence = current_fence()
        after = 0 if fence is None else fence.after
        oldest = monotonic() - self.max_lag
        count = len(self.replicas)
        for _ in range(count):
            self._turn = (self._turn + 1) % count
            replica = self.replicas[self._turn]
            if replica.trouble is None and replica.caught_up_at >= oldest and replica.replayed >= after:
                return replica
        return None

    def states(self) -> tuple[ReplicaState, ...]:
        now = monotonic()
        return tuple(_state_of(replica, now, self.max_lag) for replica in self.replicas)

    async def watch(self) -> None:
        """Check the replicas every ``check_every`` seconds, until cancelled."""
        try:
            while True:
                await self.check()
                await asyncio.sleep(self.check_every)
        finally:
            await self.aclose()

    async def check(self) -> None:
        asked = monotonic()
        try:
            self._primary_monitor, (position,) = await self._ask(
                self._primary_monitor, self._primary_conninfo, PRIMARY_POSITION
            )
        except (psycopg.Error, OSError, TimeoutError):
            self._primary_monitor = None  # unknown: every replica's lag grows until the primary answers
        else:
            self._seen.append((asked, int(position)))
            while len(self._seen) > 1 and self._seen[1][0] < asked - 2 * self.max_lag:
                self._seen.popleft()
        await asyncio.gather(*(self._check(replica, asked) for replica in self.replicas))

    async def _check(self, replica: Replica, asked: float) -> None:
        was = _state_of(replica, monotonic(), self.max_lag).state
        try:
            replica.monitor, (in_recovery, replayed) = await self._ask(
                replica.monitor, replica.conninfo, REPLICA_POSITION
            )
        except (psycopg.Error, OSError, TimeoutError) as error:
            replica.monitor = None
            replica.trouble = f"unreachable: {type(error).__name__}"
        else:
            replica.trouble = None
            if not in_recovery:  # not a replica at all: a server of its own, as current as it gets
                replica.replayed, replica.caught_up_at = UNKNOWN_POSITION, asked
            else:
                replica.replayed = max(replica.replayed, int(replayed))
                for when, position in reversed(self._seen):
                    if position <= replica.replayed:
                        replica.caught_up_at = max(replica.caught_up_at, when)
                        break
        now = _state_of(replica, monotonic(), self.max_lag)
        if now.state != was:
            log.warning("replica %s: %s (%s)", replica.name, now.state, replica.trouble or "answering")

    async def _ask(
        self, conn: AsyncConnection | None, conninfo: str, query: LiteralString
    ) -> tuple[AsyncConnection, tuple[Any, ...]]:
        """One row over a monitoring connection, made (again) when there is none; answered within
        ``max_lag`` or a ``TimeoutError``."""
        async with asyncio.timeout(max(self.max_lag, 0.05)):
            if conn is None or conn.closed:
                conn = await AsyncConnection.connect(
                    conninfo, autocommit=True, prepare_threshold=None, application_name="conduit-monitor"
                )
            try:
                row = await (await conn.execute(query)).fetchone()
            except BaseException:
                with suppress(psycopg.Error):
                    await conn.close()
                raise
        assert row is not None
        return conn, tuple(row)

    async def aclose(self) -> None:
        for conn in (self._primary_monitor, *(replica.monitor for replica in self.replicas)):
            if conn is not None:
                with suppress(psycopg.Error):
                    await conn.close()
        self._primary_monitor = None
        for replica in self.replicas:
            replica.monitor = None


def _state_of(replica: Replica, now: float, max_lag: float) -> ReplicaState:
    lag = now - replica.caught_up_at
    lag_ms = None if lag == float("inf") else round(lag * 1000)
    if replica.trouble is not None:
        return ReplicaState(replica.name, "down", lag_ms, replica.trouble)
    return ReplicaState(replica.name, "lagging" if lag > max_lag else "in rotation", lag_ms, None)
