"""Runs migrations over psycopg 3, the driver the application uses, through SQLAlchemy's psycopg dialect.

The libpq URL is handed to psycopg as is (via ``creator``), so a URL that works for the app works here,
including Unix-socket hosts and percent-encoded passwords.
"""

import psycopg
from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from entrypoints.settings import Settings

config = context.config


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return str(url)
    settings = Settings()
    if settings.database_url is None:
        raise SystemExit("no database URL: set CONDUIT_DATABASE_URL or run `conduit migrate`")
    return settings.direct_url(settings.database_url.get_secret_value())


# A migration that rewrites a large table is no runaway statement: the API's timeout, which may be the
# role's default (adapters/postgres/session.py), does not apply.
NO_TIMEOUT_OPTIONS = "-c statement_timeout=0"


def run_migrations_online() -> None:
    url = _database_url()
    engine = create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(url, options=NO_TIMEOUT_OPTIONS),
        poolclass=NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; migrations run against a live database")
run_migrations_online()
