"""The composition root: the only place that names concrete adapters and wires them to the use cases."""

from dependency_injector import containers, providers

from adapters.memory.probe import InMemoryDatabaseProbe
from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryProfileQueries,
    InMemoryTagQueries,
)
from adapters.memory.store import InMemoryStore
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.postgres.pool import open_pool
from adapters.postgres.probe import PgDatabaseProbe
from adapters.postgres.queries import PgArticleQueries, PgCommentQueries, PgProfileQueries, PgTagQueries
from adapters.postgres.uow import PostgresUnitOfWork
from adapters.security.clock import SystemClock
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
from application.comments import AddComment, DeleteComment, GetComment, ListComments
from application.health import CheckReadiness
from application.profiles import FollowUser, GetProfile, UnfollowUser
from application.users import GetCurrentUser, LogIn, RegisterUser, UpdateUser
from entrypoints.database import provide_database_url
from entrypoints.migrations import head_revision
from entrypoints.settings import Settings


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    # Storage: PostgreSQL. Resources are opened by the entrypoint's lifespan, never on import.
    database_url = providers.Resource(provide_database_url, settings=settings)
    pool = providers.Resource(
        open_pool,
        conninfo=database_url,
        min_size=settings.provided.pool_min_size,
        max_size=settings.provided.pool_max_size,
        acquire_timeout=settings.provided.pool_timeout_seconds,
        statement_timeout_ms=settings.provided.statement_timeout_ms,
        prepare_threshold=settings.provided.prepare_threshold,
    )
    uow = providers.Factory(PostgresUnitOfWork, pool=pool)
    article_queries = providers.Singleton(PgArticleQueries, pool=pool)
    comment_queries = providers.Singleton(PgCommentQueries, pool=pool)
    profile_queries = providers.Singleton(PgProfileQueries, pool=pool)
    tag_queries = providers.Singleton(PgTagQueries, pool=pool)
    database_probe = providers.Factory(PgDatabaseProbe, pool=pool)

    # Services.
    clock = providers.Singleton(SystemClock)
    password_hasher = providers.Singleton(
        Argon2PasswordHasher, max_concurrency=settings.provided.password_hash_concurrency
    )
    tokens = providers.Singleton(
        JwtTokenService,
        secret=settings.provided.signing_secret.call(),
        ttl_seconds=settings.provided.jwt_ttl_seconds,
        clock=clock,
    )
    expected_revision = providers.Singleton(head_revision)

    # Use cases: a fresh one, with a fresh unit of work, per call.
    register_user = providers.Factory(
        RegisterUser, uow=uow, hasher=password_hasher, tokens=tokens, clock=clock
    )
    log_in = providers.Factory(LogIn, uow=uow, hasher=password_hasher, tokens=tokens, clock=clock)
    get_current_user = providers.Factory(GetCurrentUser, uow=uow)
    update_user = providers.Factory(UpdateUser, uow=uow, hasher=password_hasher, clock=clock)

    get_profile = providers.Factory(GetProfile, profiles=profile_queries)
    follow_user = providers.Factory(FollowUser, uow=uow, clock=clock)
    unfollow_user = providers.Factory(UnfollowUser, uow=uow)

    publish_article = providers.Factory(PublishArticle, uow=uow, clock=clock)
    edit_article = providers.Factory(EditArticle, uow=uow, clock=clock)
    delete_article = providers.Factory(DeleteArticle, uow=uow)
    favorite_article = providers.Factory(FavoriteArticle, uow=uow, clock=clock)
    unfavorite_article = providers.Factory(UnfavoriteArticle, uow=uow)
    get_article = providers.Factory(GetArticle, queries=article_queries)
    list_articles = providers.Factory(ListArticles, queries=article_queries)
    feed_articles = providers.Factory(FeedArticles, queries=article_queries)
    list_tags = providers.Factory(ListTags, queries=tag_queries)

    add_comment = providers.Factory(AddComment, uow=uow, clock=clock)
    delete_comment = providers.Factory(DeleteComment, uow=uow)
    list_comments = providers.Factory(ListComments, queries=comment_queries)
    get_comment = providers.Factory(GetComment, queries=comment_queries)

    check_readiness = providers.Factory(
        CheckReadiness, probe=database_probe, expected_revision=expected_revision
    )


class MemoryAdapters(containers.DeclarativeContainer):
    """Overrides the storage side of ``Container`` with in-memory twins: no database is started or opened."""

    database_url: providers.Object[None] = providers.Object(None)
    pool: providers.Object[None] = providers.Object(None)
    store = providers.Singleton(InMemoryStore)
    uow = providers.Factory(InMemoryUnitOfWork, store=store)
    article_queries = providers.Singleton(InMemoryArticleQueries, store=store)
    comment_queries = providers.Singleton(InMemoryCommentQueries, store=store)
    profile_queries = providers.Singleton(InMemoryProfileQueries, store=store)
    tag_queries = providers.Singleton(InMemoryTagQueries, store=store)
    database_probe = providers.Factory(InMemoryDatabaseProbe, revision=providers.Callable(head_revision))


def build_container(settings: Settings | None = None, *, memory: bool = False) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    if memory:
        container.override(MemoryAdapters())
    return container
