"""Domain events as they travel on NATS: one subject per kind, a JSON body, the outbox id as message id.

Subject ``conduit.events.<kind>`` (``articlePublished``, ``articleFavorited``, ``commentAdded``,
``userFollowed``); body ``{"id", "kind", "occurredAt", <the event's fields in camelCase>}``; header
``Nats-Msg-Id`` = the outbox id, so JetStream drops a re-sent event within its duplicate window. The body
is the contract other services read: its fields are the domain event's, named as the HTTP API names
things, and a kind this version does not know is refused, never guessed.
"""

import json
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, Final

from application.events import StoredEvent
from domain.events import EVENT_NAMES, EVENT_TYPES, DomainEvent

SUBJECT_PREFIX: Final = "conduit.events."
DEAD_LETTER_PREFIX: Final = "conduit.dead."
MESSAGE_ID: Final = "Nats-Msg-Id"


def kind_of(name: str) -> str:
    """``UserFollowed`` -> ``userFollowed``."""
    return name[:1].lower() + name[1:]


KINDS: Final[dict[str, type[DomainEvent]]] = {kind_of(name): cls for name, cls in EVENT_TYPES.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class UnknownEvent(ValueError):
    """A message that is not a Conduit event this version knows."""


def subject_of(stored: StoredEvent) -> str:
    return SUBJECT_PREFIX + kind_of(EVENT_NAMES[type(stored.event)])


def encode(stored: StoredEvent) -> bytes:
    event = stored.event
    body: dict[str, Any] = {
        "id": stored.id,
        "kind": kind_of(EVENT_NAMES[type(event)]),
        "occurredAt": stored.occurred_at.astimezone(UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z"),
    }
    body.update({_camel(field.name): getattr(event, field.name) for field in fields(event)})
    return json.dumps(body, separators=(",", ":")).encode()


def decode(data: bytes, *, deliveries: int = 1) -> StoredEvent:
    """The event a message carries; ``deliveries``: how often the broker has delivered it (1: first)."""
    try:
        body = json.loads(data)
        event_type = KINDS[body["kind"]]
        values = {field.name: body[_camel(field.name)] for field in fields(event_type)}
        for name, value in values.items():
            # Ids are integers, the rest text: anything else would only fail later, in the database.
            if type(value) is not (int if name.endswith("_id") else str):
                raise TypeError(f"{_camel(name)} is {type(value).__name__}")
        event = event_type(**values)
        occurred_at = datetime.fromisoformat(body["occurredAt"])
        return StoredEvent(int(body["id"]), event, occurred_at, deliveries - 1)
    except (ValueError, KeyError, TypeError) as error:
        raise UnknownEvent(f"not a Conduit event: {error!r}") from error
