"""The composition root's live-notifications part (Server-Sent Events): a nested container, built from the
root's own providers by name, so container.py needs one line for it (it is at its size limit).

The signals are PostgreSQL's LISTEN/NOTIFY on the direct URL, or, on the in-memory twins, the store's
in-process ones, which the in-memory unit of work wakes; another carrier (a broker's subject) is one more
branch of the selector.
"""

from collections.abc import Mapping
from typing import Any

from dependency_injector import containers, providers

from adapters.postgres.notification_signals import PgNotificationSignals
from adapters.security.stream_tickets import JwtStreamTickets
from application.live_notifications import OpenNotificationStream, StreamConnections
from application.stream_tickets import IssueStreamTicket, RedeemStreamTicket


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
    signals = providers.Selector(
        storage,
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
