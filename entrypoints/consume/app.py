"""`conduit consume`: the broker's queue consumer. A FastStream application on a durable JetStream pull
consumer of ``CONDUIT_EVENTS`` that runs the same ``DeliverNotifications`` use case, through the same
container, as `conduit worker` does from the outbox: a notification from the broker is the same row as
one from the outbox (one per event and recipient), however often the event arrives.

Acknowledgements are explicit. An event that fails is redelivered after the retry policy's delay
(``CONDUIT_WORKER_RETRY_SECONDS``, doubling), at most ``CONDUIT_WORKER_MAX_ATTEMPTS`` times; then it is
published to ``conduit.dead.<kind>`` (stream ``CONDUIT_DEAD_LETTERS``) with the error, and acknowledged,
so the others keep flowing. While the database is away, the consumer holds the message it has (telling
JetStream it is in progress) and tries again each second: an outage is not the event's failure. SIGTERM
stops taking messages and lets the ones in hand finish (``GRACEFUL_SECONDS``).
"""

import asyncio
import logging
from typing import Final

from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.specification import AsyncAPI
from nats.js.api import AckPolicy as JetStreamAck
from nats.js.api import DeliverPolicy

from adapters.nats.client import prepare_streams
from adapters.nats.notification_signals import SUBJECT as SIGNALS
from adapters.nats.notification_signals import encode as signal_of
from adapters.nats.stream import DEAD_LETTERS, EVENTS
from adapters.nats.wire import DEAD_LETTER_PREFIX, KINDS, MESSAGE_ID, SUBJECT_PREFIX, UnknownEvent, decode
from application.errors import StorageUnavailable
from application.events import RetryPolicy
from entrypoints.container import Container
from entrypoints.metrics.broker_consumer import UNKNOWN_KIND, ConsumerBacklog, ConsumerMetrics, Outcome

log = logging.getLogger("conduit.consume")

DURABLE: Final = "conduit-notifications"
GRACEFUL_SECONDS: Final = 15.0
# How long JetStream waits for an ack before it redelivers (to this consumer or another): longer than
# any delivery takes, and renewed while the database is away.
ACK_WAIT_SECONDS: Final = 30.0
# One message per pull request, handed over the moment it arrives: nats-py's fetch of a larger batch can
# hold a message it already has until the fetch's timeout (a pull request left over from the previous
# fetch takes it, nats-io/nats.py#933), a stall of up to PULL_SECONDS in front of a live notification.
# Pinned by tests/integration/test_pull_fetch.py; a batch may come back once that test passes for one.
BATCH: Final = 1
PULL_SECONDS: Final = 1.0


def _broker(url: str) -> NatsBroker:
    # Each message's "Received"/"Processed" lines at DEBUG: at INFO they would be two log lines per event.
    return NatsBroker(
        url,
        graceful_timeout=GRACEFUL_SECONDS,
        name="conduit-consume",
        max_reconnect_attempts=-1,
        log_level=logging.DEBUG,
    )


def consumer_app(container: Container, url: str, metrics: ConsumerMetrics | None = None) -> FastStream:
    """The FastStream application: its broker, its one subscriber, and its AsyncAPI description; each
    event handled is counted in ``metrics``, when given."""
    broker = _broker(url)

    def counted(msg: NatsMessage, outcome: Outcome) -> None:
        if metrics is not None:
            kind = msg.raw_message.subject.removeprefix(SUBJECT_PREFIX)
            metrics.handled(kind if kind in KINDS else UNKNOWN_KIND, outcome)

    retry: RetryPolicy = container.retry_policy()
    deliver_notifications = container.deliver_notifications
    queries = container.notification_queries()

    @broker.subscriber(
        SUBJECT_PREFIX + "*",
        stream=JStream(name=str(EVENTS.name), declare=False),
        durable=DURABLE,
        pull_sub=PullSub(batch_size=BATCH, timeout=PULL_SECONDS),
        # As many deliveries at once as the pool has connections.
        max_workers=container.settings().pool_max_size,
        config=ConsumerConfig(
            ack_policy=JetStreamAck.EXPLICIT,
            ack_wait=ACK_WAIT_SECONDS,
            max_deliver=retry.max_attempts,
            deliver_policy=DeliverPolicy.ALL,
        ),
        ack_policy=AckPolicy.MANUAL,
        title="conduit.events.* (notifications)",
        description="Turns each event into its recipients' notifications, once per event and recipient.",
    )
    async def deliver(msg: NatsMessage) -> None:
        # The raw body, not FastStream's decoding: a message that is no Conduit event must reach the
        # dead letters too, not fail before this handler runs.
        body = msg.body
        deliveries = msg.raw_message.metadata.num_delivered
        try:
            stored = decode(body, deliveries=deliveries)
        except UnknownEvent as error:
            await _dead_letter(broker, msg, body, str(error))
            counted(msg, "dead_lettered")
            return
        while True:
            try:
                await deliver_notifications()(stored)
            except StorageUnavailable as error:
                log.warning("database unavailable (%s); holding event %s", error, stored.id)
                await msg.in_progress()
                await asyncio.sleep(1.0)
                continue
            except Exception as error:
                if deliveries >= retry.max_attempts:
                    await _dead_letter(broker, msg, body, f"{type(error).__name__}: {error}")
                    counted(msg, "dead_lettered")
                    return
                delay = retry.delay_after(deliveries)
                log.warning(
                    "event %s failed (delivery %s): %r; again in %s", stored.id, deliveries, error, delay
                )
                await msg.nack(delay=delay.total_seconds())
                counted(msg, "retried")
                return
            await msg.ack()
            counted(msg, "delivered")
            # Its recipients' open streams, on whichever API process, read their inbox now.
            try:
                recipients = await queries.recipients_of(stored.id)
                if recipients:
                    await broker.publish(signal_of(recipients), SIGNALS)
            except Exception as error:  # delivered all the same: a stream reads it at its next wake-up
                log.warning("event %s delivered, its signal not sent: %r", stored.id, error)
            return

    async def streams_ready() -> None:
        await prepare_streams(url)  # the durable consumer is made on the stream as the broker starts

    return FastStream(
        broker,
        on_startup=(streams_ready,),
        specification=AsyncAPI(
            broker,
            title="Conduit events",
            version="1.0.0",
            description=(
                "Conduit's domain events on NATS JetStream, relayed from its outbox by `conduit worker`"
                " (stream CONDUIT_EVENTS, subjects conduit.events.<kind>, header Nats-Msg-Id = the event id),"
                " and consumed by `conduit consume`."
            ),
        ),
    )


async def backlog_of(app: FastStream) -> ConsumerBacklog:
    """The durable consumer's backlog, as JetStream counts it for all its processes."""
    broker = app.broker
    assert isinstance(broker, NatsBroker)
    info = await broker.connection.jetstream().consumer_info(str(EVENTS.name), DURABLE)
    return ConsumerBacklog(pending=info.num_pending or 0, unacknowledged=info.num_ack_pending or 0)


async def _dead_letter(broker: NatsBroker, msg: NatsMessage, body: bytes, error: str) -> None:
    subject = DEAD_LETTER_PREFIX + msg.raw_message.subject.removeprefix(SUBJECT_PREFIX)
    headers = {"Conduit-Error": error[:500]}
    if message_id := (msg.headers or {}).get(MESSAGE_ID):
        headers[MESSAGE_ID] = message_id
    await broker.publish(body, subject, headers=headers, stream=DEAD_LETTERS.name)
    log.error("event on %s dead-lettered to %s: %s", msg.raw_message.subject, subject, error)
    await msg.ack()
