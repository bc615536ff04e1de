"""The composition root (with memory_adapters.py, its in-memory side): the only place that names concrete
adapters and wires them to the use cases."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from dependency_injector import containers, providers

from adapters.caching import CachedTagQueries
from adapters.nats.relay import JetStreamRelay
from adapters.postgres.attempts import PgAttemptCounts
from adapters.postgres.events import PgEventSource
from adapters.postgres.outbox import OutboxBell
from adapters.postgres.pool import new_pool, opened
from adapters.postgres.probe import PgDatabaseProbe
from adapters.postgres.queries.articles import PgArticleQueries
from adapters.postgres.queries.comments import PgCommentQueries
from adapters.postgres.queries.notifications import PgNotificationQueries
from adapters.postgres.queries.people import PgProfileQueries, PgUserDirectory, PgUserQueries
from adapters.postgres.queries.tags import PgTagQueries
from adapters.postgres.security_stamps import PgSecurityStamps
from adapters.postgres.seed import PgBulkLoader
from adapters.postgres.session import SessionSettings
from adapters.postgres.uow import PostgresUnitOfWork
from adapters.postgres.write_budgets import WriteLeases
from adapters.security.clock import SystemClock
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.lookalike_names import HomoglyphLookalikeNames
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenService
from application.articles import (
    DeleteArticle,
    EditArticle,
    FavoriteArticle,
    FeedArticles,
    GetArticle,
    ListArticles,
    ListTags,
    PublishArticle,
    UnfavoriteArticle,
)
from application.comments import AddComment, DeleteComment, ListComments
from application.events import ProcessEvents, RetryPolicy
from application.health import CheckReadiness
from application.notifications import DeliverNotifications, ListNotifications, MarkNotificationsRead
from application.profiles import FollowUser, GetProfile, UnfollowUser
from application.seeding import SeedDatabase
from application.sessions import Authenticate
from application.throttling import LoginThrottle
from application.users import (
    GetCurrentUser,
    ListUsers,
    LogIn,
    RegisterUser,
    ResetPassword,
    RevokeTokens,
    UpdateUser,
)
from entrypoints.database import database_url
from entrypoints.limits import login_limits_of, write_limit_of
from entrypoints.live_wiring import live_notifications
from entrypoints.memory_adapters import MemoryAdapters
from entrypoints.migrations import head_revision
from entrypoints.replication import recent_writes_of, replicas_of, watched
from entrypoints.settings import Settings


class Container(containers.DeclarativeContainer):
    """Every provider is synchronous: the pool is built closed and opened by ``running()``, so handing a
    use case to a request is a plain object construction, with no awaitable or thread hop."""

    settings = providers.Singleton(Settings)
    storage = providers.Object("postgres")
    clock = providers.Singleton(SystemClock)

    # PostgreSQL: ``running()`` sets the URLs (configured, or the embedded server's) and opens the pool.
    # The pool's URL may be a transaction pooler (PgBouncer); what needs a session of its own (the worker's
    # LISTEN, the bulk load's VACUUM) connects to the direct URL.
    database_url: providers.Object[str | None] = providers.Object(None)
    direct_database_url: providers.Object[str | None] = providers.Object(None)
    behind_pooler = providers.Object(False)
    session = providers.Singleton(
        SessionSettings, statement_timeout_ms=settings.provided.statement_timeout_ms
    )
    pool = providers.Singleton(
        new_pool,
        conninfo=database_url,
        min_size=settings.provided.pool_min_size,
        max_size=settings.provided.pool_max_size,
        acquire_timeout=settings.provided.pool_timeout_seconds,
        session=session,
        pooled=behind_pooler,
        prepare_threshold=settings.provided.prepare_threshold,
    )
    # Read replicas for the query ports (none: they read from the pool).
    replicas = providers.Singleton(
        replicas_of,
        settings=settings,
        primary=pool,
        primary_url=database_url,
        session=session,
        pooled=behind_pooler,
    )
    recent_writes = providers.Singleton(recent_writes_of, settings=settings)
    outbox_bell = providers.Singleton(OutboxBell, pool=pool)
    write_limit = providers.Singleton(write_limit_of, settings)
    write_leases = providers.Singleton(WriteLeases)
    article_queries = providers.Singleton(PgArticleQueries, pool=pool, replicas=replicas)
    comment_queries = providers.Singleton(PgCommentQueries, pool=pool, replicas=replicas)
    profile_queries = providers.Singleton(PgProfileQueries, pool=pool, replicas=replicas)
    fresh_tag_queries = providers.Singleton(PgTagQueries, pool=pool, replicas=replicas)
    tag_queries = providers.Singleton(
        CachedTagQueries, inner=fresh_tag_queries, max_age=settings.provided.tags_cache_seconds
    )
    # What this process commits to articles shows in its own tag list at once.
    uow = providers.Factory(
        PostgresUnitOfWork,
        pool=pool,
        bell=outbox_bell,
        write_limit=write_limit,
        write_leases=write_leases,
        articles_changed=tag_queries.provided.forget,
    )
    user_queries = providers.Singleton(PgUserQueries, pool=pool)
    security_stamps = providers.Singleton(PgSecurityStamps, pool=pool)
    attempt_counts = providers.Singleton(PgAttemptCounts, pool=pool)
    user_directory = providers.Singleton(PgUserDirectory, pool=pool)
    bulk_loader = providers.Factory(PgBulkLoader, pool=pool, direct_conninfo=direct_database_url)
    notification_queries = providers.Singleton(PgNotificationQueries, pool=pool, replicas=replicas)
    event_source = providers.Singleton(PgEventSource, pool=pool, conninfo=direct_database_url, clock=clock)
    database_probe = providers.Factory(PgDatabaseProbe, pool=pool, replicas=replicas)

    # Services.
    password_hasher = providers.Singleton(
        Argon2PasswordHasher, max_concurrency=settings.provided.password_hash_concurrency
    )
    tokens = providers.Singleton(
        JwtTokenService,
        secret=settings.provided.signing_secret.call(),
        ttl_seconds=settings.provided.jwt_ttl_seconds,
        clock=clock,
    )
    common_passwords = providers.Singleton(ZxcvbnCommonPasswords)
    lookalike_names = providers.Singleton(HomoglyphLookalikeNames)
    login_limits = providers.Singleton(login_limits_of, settings)
    expected_revision = providers.Singleton(head_revision)
    login_throttle = providers.Singleton(LoginThrottle, counts=attempt_counts, limits=login_limits)

    # Asked for by every authenticated request: one object, holding no unit of work.
    authenticate = providers.Singleton(Authenticate, tokens=tokens, stamps=security_stamps)

    # Use cases: a fresh one, with a fresh unit of work, per call.
    register_user = providers.Factory(
        RegisterUser,
        uow=uow,
        hasher=password_hasher,
        common=common_passwords,
        lookalikes=lookalike_names,
        tokens=tokens,
        clock=clock,
    )
    log_in = providers.Factory(
        LogIn,
        accounts=user_queries,
        uow=uow,
        hasher=password_hasher,
        tokens=tokens,
        throttle=login_throttle,
        clock=clock,
    )
    get_current_user = providers.Factory(GetCurrentUser, accounts=user_queries)
    update_user = providers.Factory(
        UpdateUser,
        uow=uow,
        hasher=password_hasher,
        common=common_passwords,
        lookalikes=lookalike_names,
        tokens=tokens,
        stamps=security_stamps,
        clock=clock,
    )
    reset_password = providers.Factory(
        ResetPassword,
        uow=uow,
        hasher=password_hasher,
        common=common_passwords,
        stamps=security_stamps,
        clock=clock,
    )
    revoke_tokens = providers.Factory(RevokeTokens, uow=uow, stamps=security_stamps, clock=clock)
    list_users = providers.Factory(ListUsers, directory=user_directory)

    get_profile = providers.Factory(GetProfile, profiles=profile_queries)
    follow_user = providers.Factory(FollowUser, uow=uow, clock=clock)
    unfollow_user = providers.Factory(UnfollowUser, uow=uow, clock=clock)

    publish_article = providers.Factory(PublishArticle, uow=uow, clock=clock)
    edit_article = providers.Factory(EditArticle, uow=uow, clock=clock)
    delete_article = providers.Factory(DeleteArticle, uow=uow, clock=clock)
    favorite_article = providers.Factory(FavoriteArticle, uow=uow, clock=clock)
    unfavorite_article = providers.Factory(UnfavoriteArticle, uow=uow, clock=clock)
    get_article = providers.Factory(GetArticle, queries=article_queries)
    list_articles = providers.Factory(ListArticles, queries=article_queries)
    feed_articles = providers.Factory(FeedArticles, queries=article_queries)
    list_tags = providers.Factory(ListTags, queries=tag_queries)

    add_comment = providers.Factory(AddComment, uow=uow, clock=clock)
    delete_comment = providers.Factory(DeleteComment, uow=uow, clock=clock)
    list_comments = providers.Factory(ListComments, queries=comment_queries)

    seed_database = providers.Factory(SeedDatabase, loader=bulk_loader, hasher=password_hasher)

    list_notifications = providers.Factory(ListNotifications, queries=notification_queries)
    mark_notifications_read = providers.Factory(MarkNotificationsRead, uow=uow, clock=clock)
    deliver_notifications = providers.Factory(
        DeliverNotifications,
        uow=uow,
        repeat_window=providers.Factory(timedelta, hours=settings.provided.notification_repeat_hours),
    )
    retry_policy = providers.Singleton(
        RetryPolicy,
        max_attempts=settings.provided.worker_max_attempts,
        first_delay=providers.Factory(timedelta, seconds=settings.provided.worker_retry_seconds),
    )
    process_events = providers.Factory(
        ProcessEvents, source=event_source, handler=deliver_notifications, clock=clock, retry=retry_policy
    )
    # With a broker (CONDUIT_BROKER_URL), the worker relays the outbox to JetStream instead.
    event_relay = providers.Singleton(JetStreamRelay, url=settings.provided.broker.call())
    relay_events = providers.Factory(
        ProcessEvents, source=event_source, handler=event_relay, clock=clock, retry=retry_policy
    )

    check_readiness = providers.Factory(
        CheckReadiness, probe=database_probe, expected_revision=expected_revision
    )
    live = live_notifications(vars())  # live notifications (SSE): signals, tickets, streams; live_wiring.py


def build_container(settings: Settings | None = None, *, memory: bool = False) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    if memory:
        container.override(
            MemoryAdapters(
                writes_limited_by=container.write_limit,
                tags_forgotten_by=container.tag_queries.provided.forget,
            )
        )
    return container


@asynccontextmanager
async def running(container: Container) -> AsyncIterator[Container]:
    """The container with what its objects need opened (database URL or embedded server, then the pool),
    closed again in reverse order afterwards. The HTTP app's lifespan, the CLI and the worker all use it."""
    async with AsyncExitStack() as stack:
        if container.storage() == "postgres":
            settings = container.settings()
            url = await stack.enter_async_context(database_url(settings))
            direct = settings.direct_url(url)
            for provider, value in (
                (container.database_url, url),
                (container.direct_database_url, direct),
                (container.behind_pooler, direct != url),
            ):
                provider.override(providers.Object(value))
                stack.callback(provider.reset_override)
            # Objects holding the pool (query ports, the event source) must not outlive it.
            stack.callback(container.reset_singletons)
            await stack.enter_async_context(
                opened(container.pool(), container.session(), pooled=direct != url)
            )
            replicas = container.replicas()
            if replicas is not None:
                await stack.enter_async_context(watched(replicas))

        yield container


@asynccontextmanager
async def running_container(settings: Settings) -> AsyncIterator[Container]:
    async with running(build_container(settings)) as container:
        yield container
