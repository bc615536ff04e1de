"""The JetStream streams Conduit's events live in, created or brought up to date at start, idempotently.

``CONDUIT_EVENTS`` holds every event (``conduit.events.*``), ``CONDUIT_DEAD_LETTERS`` the ones a consumer
gave up on (``conduit.dead.*``). Their limits, and why:

- retention by limits, not interest or work queue: several services read the same events at their own
  pace, and a consumer added later can read back what the stream still holds;
- ``max_age`` 7 days, as the outbox keeps handled events (``CONDUIT_OUTBOX_RETENTION_DAYS``' default): a
  consumer down for a long weekend catches up; dead letters stay 30 days, for someone to look at;
- ``max_bytes`` 1 GiB (dead letters 256 MiB), discarding the oldest: a runaway producer cannot fill the
  broker's disk;
- ``duplicate_window`` 1 hour: a relay that dies between the broker's ack and marking the event relayed
  sends it again when the event is claimed next, usually within seconds; an hour covers the relay being
  down that long, at the cost of one id remembered per event of the last hour;
- file storage, one replica (a clustered JetStream may raise it).
"""

from typing import Final

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from adapters.nats.wire import DEAD_LETTER_PREFIX, SUBJECT_PREFIX

DAY: Final = 24 * 3600.0


def _stream(name: str, description: str, subject: str, *, max_age: float, max_bytes: int) -> StreamConfig:
    """A stream with the limits every Conduit stream shares."""
    return StreamConfig(
        name=name,
        description=description,
        subjects=[subject],
        retention=RetentionPolicy.LIMITS,
        max_age=max_age,
        max_bytes=max_bytes,
        discard=DiscardPolicy.OLD,
        storage=StorageType.FILE,
        num_replicas=1,
        duplicate_window=3600.0,
    )


EVENTS: Final = _stream(
    "CONDUIT_EVENTS",
    "Conduit's domain events, relayed from its outbox",
    SUBJECT_PREFIX + "*",
    max_age=7 * DAY,
    max_bytes=1 << 30,
)
DEAD_LETTERS: Final = _stream(
    "CONDUIT_DEAD_LETTERS",
    "Conduit events a consumer failed on at every attempt",
    DEAD_LETTER_PREFIX + "*",
    max_age=30 * DAY,
    max_bytes=256 << 20,
)


async def ensure_streams(js: JetStreamContext) -> None:
    """Create the streams, or update them to these limits when they exist with others."""
    for config in (EVENTS, DEAD_LETTERS):
        try:
            await js.add_stream(config)
        except BadRequestError:  # exists, configured otherwise
            await js.update_stream(config)
