"""`conduit`: serve the API, migrate the schema, and administer a Conduit installation."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import psycopg
import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from entrypoints import migrations
from entrypoints.database import database_url
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
migrate_app = typer.Typer(help="Apply or inspect schema migrations.", invoke_without_command=True)
app.add_typer(migrate_app, name="migrate")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@contextmanager
def expected_failures() -> Iterator[None]:
    """Turn the failures an operator can fix (configuration, connectivity) into one line and exit 1."""
    try:
        yield
    except ValidationError as invalid:
        problems = "; ".join(_setting_problem(e) for e in invalid.errors())
        fail(f"invalid configuration: {problems}")
    except (psycopg.OperationalError, SQLAlchemyError) as error:
        fail(f"database unavailable: {_first_line(error)}")


def load_settings() -> Settings:
    with expected_failures():
        settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind [default: CONDUIT_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind [default: CONDUIT_PORT]")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [default: CONDUIT_WORKERS]")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
) -> None:
    """Run the HTTP API (with the embedded PostgreSQL unless CONDUIT_DATABASE_URL is set)."""
    settings = load_settings()
    with expected_failures(), database_url(settings) as url:
        if settings.migrate_on_start:
            migrations.upgrade(url)
        # Workers inherit the resolved URL, so only this process owns the embedded server's lifetime.
        os.environ["CONDUIT_DATABASE_URL"] = url
        uvicorn.run(
            "entrypoints.http.app:create_app",
            factory=True,
            host=host or settings.host,
            port=settings.port if port is None else port,
            workers=workers or settings.workers,
            reload=reload,
            log_config=None,
            access_log=False,
            server_header=False,
        )


@migrate_app.callback()
def migrate(ctx: typer.Context) -> None:
    """Upgrade the schema to the newest revision (the default), or run a subcommand."""
    if ctx.invoked_subcommand is None:
        upgrade()


@migrate_app.command()
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Upgrade the schema to REVISION."""
    _with_database(lambda url: migrations.upgrade(url, revision))


@migrate_app.command()
def downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base")]) -> None:
    """Downgrade the schema to REVISION."""
    _with_database(lambda url: migrations.downgrade(url, revision))


@migrate_app.command()
def current() -> None:
    """Show the schema's current revision."""
    _with_database(migrations.current)


@migrate_app.command()
def history() -> None:
    """List every revision."""
    migrations.history()


def _with_database(action: Callable[[str], None]) -> None:
    settings = load_settings()
    with expected_failures(), database_url(settings) as url:
        action(url)


def _setting_problem(error: object) -> str:
    assert isinstance(error, dict)
    location = ".".join(str(part) for part in error.get("loc", ()))
    name = f"CONDUIT_{location.upper()}" if location else "settings"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return message if not location else f"{name}: {message}"


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def main() -> None:
    app()
