"""The composition root's live-notifications part (Server-Sent Events): a nested container, built from the
root's own providers by name, so container.py needs one line for it (it is at its size limit).

The signals are a NATS subject when Conduit has a broker (`conduit consume` signals once a delivery has
committed), PostgreSQL's LISTEN/NOTIFY on the direct URL when it has not, or, on the in-memory twins, the
store's in-process ones, which the in-memory unit of work wakes.
"""

from collections.abc import Mapping
from typing import Any

from dependency_injector import containers, providers

from adapters.nats.notification_signals import NatsNotificationSignals
from adapters.postgres.notification_signals import PgNotificationSignals
from adapters.security.stream_tickets import JwtStreamTickets
from application.live_notifications import OpenNotificationStream, StreamConnections
from application.stream_tickets import IssueStreamTicket, RedeemStreamTicket


def _carrier(storage: str, settings: Any) -> str:
    return "nats" if storage == "postgres" and settings.broker() is not None else storage


class LiveNotifications(containers.DeclarativeContainer):
    settings: providers.Dependency[Any] = providers.Dependency()
    storage: providers.Dependency[str] = providers.Dependency()
    clock: providers.Dependency[Any] = providers.Dependency()
    direct_database_url: providers.Dependency[str | None] = providers.Dependency()
    notification_queries: providers.Dependency[Any] = providers.Dependency()
    security_stamps: providers.Dependency[Any] = providers.Dependency()
    attempt_counts: providers.Dependency[Any] = providers.Dependency()
    authenticate: providers.Dependency[Any] = providers.Dependency()

    # One per process: one listening connection, however many streams.
    # With a broker, `conduit consume` delivers and signals on a NATS subject; else the delivering
    # transaction NOTIFYs.
    signals = providers.Selector(
        providers.Callable(_carrier, storage, settings),
        nats=providers.Singleton(NatsNotificationSignals, url=settings.provided.broker.call()),
        postgres=providers.Singleton(PgNotificationSignals, conninfo=direct_database_url),
        memory=notification_queries.provided.signals,
    )
    connections = providers.Singleton(
        StreamConnections, per_user=settings.provided.stream_connections_per_user
    )
    tickets = providers.Singleton(
        JwtStreamTickets, secret=settings.provided.signing_secret.call(), clock=clock
    )
    open_stream = providers.Factory(
        OpenNotificationStream,
        signals=signals,
        queries=notification_queries,
        stamps=security_stamps,
        clock=clock,
        connections=connections,
        heartbeat_seconds=settings.provided.stream_heartbeat_seconds,
    )
    issue_ticket = providers.Factory(IssueStreamTicket, authenticate=authenticate, tickets=tickets)
    redeem_ticket = providers.Factory(
        RedeemStreamTicket, tickets=tickets, stamps=security_stamps, counts=attempt_counts, clock=clock
    )


def live_notifications(root: Mapping[str, Any]) -> providers.Container[LiveNotifications]:
    """The nested container over ``root``, the composition root's providers so far (its class body's
    ``vars()``): overriding one of those (the in-memory twins, a test's) reaches these too."""
    wanted = LiveNotifications.dependencies
    return providers.Container(LiveNotifications, **{name: root[name] for name in wanted})
