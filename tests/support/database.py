"""A real PostgreSQL for the tests: CONDUIT_TEST_DATABASE_URL if set, else an embedded server in a temp dir.

Every run works in databases it creates with fresh random names and drops afterwards, so runs never collide
with each other or depend on what an earlier run left behind.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path

import psycopg
from psycopg import AsyncConnection, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.embedded import embedded_server
from adapters.postgres.pool import new_pool, opened
from adapters.postgres.session import SessionSettings
from tests.support.locales import provide_linguistic_locale

TEST_DATABASE_URL_ENV = "CONDUIT_TEST_DATABASE_URL"


@contextmanager
def test_server(temp_dir: Path) -> Iterator[str]:
    """Yield a maintenance URL (a database we may CREATE DATABASE from)."""
    configured = os.environ.get(TEST_DATABASE_URL_ENV)
    if configured:
        yield configured
        return
    # Before the server starts: it finds its locales where its environment says.
    provide_linguistic_locale(temp_dir / "locales")
    with embedded_server(temp_dir / "embedded", database="postgres", delete_on_exit=True) as url:
        yield url


@contextmanager
def fresh_database(maintenance_url: str, purpose: str, *, collation: str | None = None) -> Iterator[str]:
    """A new, empty database; with ``collation``, that locale orders its text by default."""
    name = f"conduit_test_{purpose}_{secrets.token_hex(4)}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if collation is not None:
        create += sql.SQL(" TEMPLATE template0 ENCODING 'UTF8' LOCALE {}").format(sql.Literal(collation))
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(create)
    try:
        yield make_conninfo(maintenance_url, dbname=name)
    finally:
        with psycopg.connect(maintenance_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def pool_for_tests(
    url: str, max_size: int = 60, prepare_threshold: int | None = 5
) -> AbstractAsyncContextManager[AsyncConnectionPool[AsyncConnection]]:
    settings = {"min_size": 1, "acquire_timeout": 10}
    session = SessionSettings(statement_timeout_ms=10_000)
    pool = new_pool(url, max_size=max_size, prepare_threshold=prepare_threshold, session=session, **settings)
    return opened(pool, session)


def database_name(url: str) -> str:
    return str(conninfo_to_dict(url)["dbname"])


# Tables whose rows the migrations create and the application only updates.
SINGLE_ROW_TABLES = {"alembic_version", "article_count_shards"}

TABLES_QUERY = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


def truncate_all(url: str) -> None:
    """Back to a freshly migrated database: data tables emptied, single-row tables reset."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(TABLES_QUERY).fetchall() if row[0] not in SINGLE_ROW_TABLES]
        if tables:
            names = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(names))
        conn.execute("UPDATE article_count_shards SET article_count = 0")
