from collections.abc import Sequence

from application.ports import DatabaseProbe, ReplicaState


class InMemoryDatabaseProbe(DatabaseProbe):
    """An in-memory store has no migrations: it is always at the revision the code expects."""

    def __init__(self, revision: str) -> None:
        self._revision = revision

    async def schema_revision(self) -> str | None:
        return self._revision

    def replicas(self) -> Sequence[ReplicaState]:
        return ()
