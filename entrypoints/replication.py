"""Read replicas in the composition: the replica set the settings name, what the edge remembers of each
user's writes while reads may go to a replica, and the replicas' pools and checks for a process's life."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress

from adapters.postgres.consistency import RecentWrites
from adapters.postgres.pool import Pool, new_pool
from adapters.postgres.replicas import Replica, ReplicaSet
from adapters.postgres.session import SessionSettings
from entrypoints.settings import Settings


def replicas_of(
    settings: Settings, primary: Pool, primary_url: str | None, session: SessionSettings, pooled: bool
) -> ReplicaSet | None:
    """The read replicas, each with a pool as the primary's (not yet open), or None without any."""
    urls = settings.read_urls()
    if not urls or primary_url is None:
        return None
    replicas = [
        Replica(
            url,
            new_pool(
                url,
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                acquire_timeout=settings.pool_timeout_seconds,
                session=session,
                pooled=pooled,
                prepare_threshold=settings.prepare_threshold,
            ),
        )
        for url in urls
    ]
    return ReplicaSet(primary, primary_url, replicas, max_lag_seconds=settings.replica_max_lag_ms / 1000)


def recent_writes_of(settings: Settings) -> RecentWrites | None:
    """What the edge remembers of each user's writes: only needed while reads may go to a replica."""
    if not settings.read_urls():
        return None
    return RecentWrites(keep_seconds=settings.replica_max_lag_ms / 1000, secret=settings.signing_secret())


@asynccontextmanager
async def watched(replicas: ReplicaSet) -> AsyncIterator[ReplicaSet]:
    """The replicas' pools open and their checks running, for the block. A replica that is down does not
    keep the process from starting: reads go to the primary until a check finds it answering."""
    async with AsyncExitStack() as stack:
        for replica in replicas.replicas:
            await replica.pool.open(wait=False)
            stack.push_async_callback(replica.pool.close)
        stack.push_async_callback(replicas.aclose)
        await replicas.check()  # in rotation from the first request, if they are there
        checking = asyncio.get_running_loop().create_task(replicas.watch())
        try:
            yield replicas
        finally:
            checking.cancel()
            with suppress(asyncio.CancelledError):
                await checking
