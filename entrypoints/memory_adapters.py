"""The in-memory twins: an override of the composition root's storage side."""

from collections.abc import Callable

from dependency_injector import containers, providers

from adapters.memory.attempts import InMemoryAttemptCounts
from adapters.memory.event_stream import InMemoryEventStream
from adapters.memory.events import InMemoryEventSource
from adapters.memory.probe import InMemoryDatabaseProbe
from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryNotificationQueries,
    InMemoryProfileQueries,
    InMemorySecurityStamps,
    InMemoryTagQueries,
    InMemoryUserDirectory,
    InMemoryUserQueries,
)
from adapters.memory.seed import InMemoryBulkLoader
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.security.clock import SystemClock
from application.throttling import WriteLimit
from entrypoints.migrations import head_revision


class MemoryAdapters(containers.DeclarativeContainer):
    """Overrides the storage side of ``Container`` with in-memory twins: no database is started or opened."""

    storage = providers.Object("memory")
    pool: providers.Object[None] = providers.Object(None)
    store = providers.Singleton(InMemoryStore)
    # The container's own write limit (a name of its own: one named like the container's would override it).
    writes_limited_by: providers.Dependency[WriteLimit | None] = providers.Dependency()
    tags_forgotten_by: providers.Dependency[Callable[[], None]] = providers.Dependency()
    uow = providers.Factory(
        InMemoryUnitOfWork, store=store, write_limit=writes_limited_by, articles_changed=tags_forgotten_by
    )
    article_queries = providers.Singleton(InMemoryArticleQueries, store=store)
    comment_queries = providers.Singleton(InMemoryCommentQueries, store=store)
    profile_queries = providers.Singleton(InMemoryProfileQueries, store=store)
    fresh_tag_queries = providers.Singleton(InMemoryTagQueries, store=store)
    user_queries = providers.Singleton(InMemoryUserQueries, store=store)
    security_stamps = providers.Singleton(InMemorySecurityStamps, store=store)
    attempt_counts = providers.Singleton(InMemoryAttemptCounts)
    user_directory = providers.Singleton(InMemoryUserDirectory, store=store)
    bulk_loader = providers.Factory(InMemoryBulkLoader, store=store)
    notification_queries = providers.Singleton(InMemoryNotificationQueries, store=store)
    event_source = providers.Singleton(
        InMemoryEventSource, store=store, clock=providers.Singleton(SystemClock)
    )
    database_probe = providers.Factory(InMemoryDatabaseProbe, revision=providers.Callable(head_revision))
    event_relay = providers.Singleton(InMemoryEventStream)
