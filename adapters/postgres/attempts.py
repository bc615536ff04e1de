"""Attempt counts in PostgreSQL, which every Conduit process and host shares.

Keys are stored as digests: a count needs to match its key, not to say whose address or email it is.
Closed windows are deleted a few at a time by the writes that add counts, so the table stays as small as
the attempts of the last window, with no job to run.
"""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from adapters.postgres.pool import Pool, read, run
from adapters.postgres.statements import Statement
from application.throttling import AttemptCounts, Window

DELETED_PER_WRITE: Final = 100

SELECT_OPEN = Statement(
    "SELECT key, count, closes_at FROM attempt_counts WHERE key = ANY(%(keys)s) AND closes_at > %(now)s"
)

# Keys in a fixed order, so two writes of the same keys lock them in the same order and cannot deadlock.
ADD = Statement(
    """
    WITH closed AS (
        DELETE FROM attempt_counts WHERE key IN (
            SELECT key FROM attempt_counts
            WHERE closes_at <= %(now)s AND key <> ALL(%(keys)s)
            ORDER BY closes_at LIMIT %(deleted)s
            FOR UPDATE SKIP LOCKED
        )
    )
    INSERT INTO attempt_counts AS c (key, count, closes_at)
    SELECT key, 1, %(now)s + length FROM unnest(%(keys)s::bytea[], %(lengths)s::interval[]) AS w(key, length)
    ORDER BY key
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN c.closes_at > %(now)s THEN c.count + 1 ELSE 1 END,
        closes_at = CASE WHEN c.closes_at > %(now)s THEN c.closes_at ELSE excluded.closes_at END
    """
)

CLEAR = Statement("DELETE FROM attempt_counts WHERE key = %(key)s")


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class PgAttemptCounts(AttemptCounts):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def open_windows(self, keys: Sequence[str], now: datetime) -> dict[str, Window]:
        by_digest = {_digest(key): key for key in keys}
        rows = await read(self._pool, SELECT_OPEN, {"keys": list(by_digest), "now": now})
        return {by_digest[bytes(digest)]: Window(count, closes_at) for digest, count, closes_at in rows}

    async def add(self, windows: Mapping[str, timedelta], now: datetime) -> None:
        ordered = sorted((_digest(key), length) for key, length in windows.items())
        params = {
            "keys": [digest for digest, _ in ordered],
            "lengths": [length for _, length in ordered],
            "now": now,
            "deleted": DELETED_PER_WRITE,
        }
        await run(self._pool, ADD, params)

    async def clear(self, key: str) -> None:
        await run(self._pool, CLEAR, {"key": _digest(key)})
