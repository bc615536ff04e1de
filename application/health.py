"""Readiness: may this process take traffic?"""

from dataclasses import dataclass

from application.errors import StorageUnavailable
from application.ports import DatabaseProbe, ReplicaState


@dataclass(frozen=True, slots=True)
class Readiness:
    database_reachable: bool
    schema_revision: str | None
    expected_revision: str
    # Not part of being ready: without a replica, reads go to the primary.
    replicas: tuple[ReplicaState, ...] = ()

    @property
    def ready(self) -> bool:
        return self.database_reachable and self.schema_revision == self.expected_revision


class CheckReadiness:
    def __init__(self, probe: DatabaseProbe, expected_revision: str) -> None:
        self._probe, self._expected = probe, expected_revision

    async def __call__(self) -> Readiness:
        replicas = tuple(self._probe.replicas())
        try:
            revision = await self._probe.schema_revision()
        except StorageUnavailable:
            return Readiness(False, None, self._expected, replicas)
        return Readiness(True, revision, self._expected, replicas)
