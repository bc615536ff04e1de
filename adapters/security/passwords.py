"""Argon2id password hashing, kept off the event loop and bounded so logins cannot starve other requests."""

import asyncio
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application.ports import PasswordHasher
from domain.users import PasswordHash

# OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane), tens of milliseconds of one core per hash.
DEFAULT_TIME_COST = 2
DEFAULT_MEMORY_KIB = 19 * 1024
DEFAULT_PARALLELISM = 1


# Hash threads only get the CPU that request handling (and PostgreSQL) leave idle: SCHED_IDLE on Linux,
# where scheduling policy is per thread; it kept flat-out logins from slowing reads more than a nice
# value or normal priority did (docs/performance.md). The price is explicit: on a CPU that stays
# saturated, logins wait. Where SCHED_IDLE is missing, the lowest niceness is the fallback.
def _yield_to_requests() -> None:
    with suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return
    with suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class Argon2PasswordHasher(PasswordHasher):
    """Hashes run on a small dedicated thread pool (argon2 releases the GIL), at most ``max_concurrency``
    at once and at a lower priority; extra logins queue there instead of taking every core and the memory
    each hash needs."""

    def __init__(
        self,
        *,
        max_concurrency: int = 2,
        time_cost: int = DEFAULT_TIME_COST,
        memory_kib: int = DEFAULT_MEMORY_KIB,
        parallelism: int = DEFAULT_PARALLELISM,
    ) -> None:
        self._argon2 = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
        )
        self._executor = ThreadPoolExecutor(
            max_workers=max_concurrency, thread_name_prefix="argon2", initializer=_yield_to_requests
        )
        self._decoy: PasswordHash | None = None

    async def hash(self, password: str) -> PasswordHash:
        loop = asyncio.get_running_loop()
        return PasswordHash(await loop.run_in_executor(self._executor, self._argon2.hash, password))

    async def verify(self, password: str, hashed: PasswordHash) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._matches, password, hashed.value)

    def needs_rehash(self, hashed: PasswordHash) -> bool:
        try:
            return self._argon2.check_needs_rehash(hashed.value)
        except InvalidHashError:
            return True

    async def waste_time(self, password: str) -> None:
        if self._decoy is None:
            self._decoy = await self.hash(secrets.token_urlsafe(16))
        await self.verify(password, self._decoy)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _matches(self, password: str, hashed: str) -> bool:
        try:
            return self._argon2.verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
