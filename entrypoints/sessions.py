"""The database as `conduit serve` and `conduit migrate` leave it for Conduit's sessions, behind a transaction
pooler or not (adapters/postgres/session.py says how each way of connecting gets its settings)."""

import asyncio

import structlog
from sqlalchemy.exc import SQLAlchemyError

from adapters.postgres.session import SessionSettings, connect, refused_options, set_role_defaults
from entrypoints import migrations
from entrypoints.settings import Settings

log = structlog.get_logger("conduit")


def session_of(settings: Settings) -> SessionSettings:
    return SessionSettings(statement_timeout_ms=settings.statement_timeout_ms)


def upgrade(settings: Settings, url: str, revision: str = "head") -> None:
    """Migrate over the direct URL; behind a pooler, also make the session settings the role's defaults."""
    direct = settings.direct_url(url)
    try:
        migrations.upgrade(direct, revision)
    except SQLAlchemyError as error:
        better = refused_options(error)
        if better is None:
            raise
        raise better from None
    if direct != url:
        applied = set_role_defaults(url, direct, session_of(settings))
        if applied is not None:
            log.warning(
                "session settings made the pooled role's defaults; server connections the pooler already "
                "holds keep their old ones until it reconnects them (PgBouncer: RECONNECT)",
                sql=applied,
            )


def check(settings: Settings, url: str) -> None:
    """Connect to ``url`` as the pool will and verify the session; raises what ``opened`` would raise."""

    async def probe() -> None:
        pooled = settings.direct_url(url) != url
        conn = await connect(url, session_of(settings), pooled=pooled, autocommit=True, connect_timeout=5)
        await conn.close()

    asyncio.run(probe())
