"""`conduit`: serve the API, run the worker, migrate the schema, and administer a Conduit installation."""

import json
import os
import signal
from collections.abc import Callable
from contextlib import ExitStack
from typing import Annotated

import typer

from entrypoints import banner, bounded_http, connection_limits, migrations, serving, sessions
from entrypoints.cli import broker, db, seed, users
from entrypoints.cli.common import expected_failures, load_settings
from entrypoints.container import build_container
from entrypoints.database import database
from entrypoints.http.shutdown_notice import give_process_shutdown
from entrypoints.metrics.serving import served as served_metrics

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
migrate_app = typer.Typer(help="Apply or inspect schema migrations.", invoke_without_command=True)
app.add_typer(migrate_app, name="migrate")
app.add_typer(db.app, name="db")
app.add_typer(broker.app, name="broker")
app.add_typer(users.app, name="users")
app.command()(seed.seed)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind [default: CONDUIT_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind [default: CONDUIT_PORT]")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes [default: CONDUIT_WORKERS]")
    ] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
) -> None:
    """Run the HTTP API (with the embedded PostgreSQL unless CONDUIT_DATABASE_URL is set)."""
    settings = load_settings()
    # uvicorn re-raises the stop signal once it has shut down; as an exception (not the default, which
    # kills the process on the spot) it unwinds through the block below, which stops the embedded server.
    signal.signal(signal.SIGTERM, _raise_system_exit)
    host, port, workers = (
        host or settings.host,
        settings.port if port is None else port,
        workers or settings.workers,
    )
    # Raised before anything opens a descriptor or starts a worker, so that every worker inherits it.
    budget = connection_limits.plan(settings.max_connections)
    request_limits = bounded_http.RequestLimits(
        head_timeout_seconds=settings.header_timeout_seconds,
        max_head_bytes=settings.max_header_bytes,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    with expected_failures(), database(settings) as url, ExitStack() as stack:
        if settings.migrate_on_start:
            sessions.upgrade(settings, url)
        # Here, once, as one line: in the workers the same failure is a traceback per worker.
        sessions.check(settings, url)
        metrics = None
        if settings.metrics_port:
            metrics = stack.enter_context(served_metrics(host, settings.metrics_port, url))
        banner.serving(
            settings,
            url,
            host=host,
            port=port,
            workers=workers,
            budget=budget,
            metrics=None if metrics is None else metrics.address,
        )
        # Workers inherit the resolved URL, so only this process owns the embedded server's lifetime.
        os.environ["CONDUIT_DATABASE_URL"] = url
        serving.run(
            "entrypoints.http.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            on_worker_exit=None if metrics is None else metrics.forget,
            log_config=None,
            access_log=False,
            server_header=False,
            http=bounded_http.protocol_factory(request_limits, on_shutdown=give_process_shutdown),
            limit_concurrency=budget.connections,
            timeout_keep_alive=settings.keep_alive_seconds,
        )


def _raise_system_exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


@app.command()
def worker() -> None:
    """Run the queue consumer: deliver outbox events (notifications) until SIGTERM or SIGINT."""
    from entrypoints.worker.main import run_worker

    settings = load_settings()
    with expected_failures():
        run_worker(settings)


@app.command()
def consume() -> None:
    """Run the broker's queue consumer: deliver notifications from JetStream (CONDUIT_BROKER_URL)."""
    from entrypoints.consume.main import run_consumer

    settings = load_settings()
    if settings.broker() is None:
        typer.echo("error: CONDUIT_BROKER_URL is not set: there is no broker to consume from", err=True)
        raise typer.Exit(1)
    with expected_failures():
        run_consumer(settings)


@app.command()
def asyncapi() -> None:
    """Print the AsyncAPI document of the events on the broker."""
    from entrypoints.consume.app import consumer_app

    container = build_container(load_settings(), memory=True)
    specification = consumer_app(container, "nats://localhost:4222").schema.to_specification()
    typer.echo(specification.to_json())


@app.command()
def doctor() -> None:
    """Check what usually stands in the way (Python, driver, data folder, port, secret, database, schema)."""
    from entrypoints.cli.doctor import examine, report

    if not report(examine(load_settings())):
        raise typer.Exit(1)


@app.command()
def openapi() -> None:
    """Print the OpenAPI document of the HTTP API."""
    from entrypoints.http.app import create_app

    typer.echo(json.dumps(create_app(build_container(load_settings(), memory=True)).openapi(), indent=2))


@migrate_app.callback()
def migrate(ctx: typer.Context) -> None:
    """Upgrade the schema to the newest revision (the default), or run a subcommand."""
    if ctx.invoked_subcommand is None:
        upgrade()


@migrate_app.command()
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Upgrade the schema to REVISION."""
    settings = load_settings()
    with expected_failures(), database(settings) as url:
        sessions.upgrade(settings, url, revision)


@migrate_app.command()
def downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base")]) -> None:
    """Downgrade the schema to REVISION."""
    _with_direct_database(lambda url: migrations.downgrade(url, revision))


@migrate_app.command()
def current() -> None:
    """Show the schema's current revision."""
    _with_direct_database(migrations.current)


@migrate_app.command()
def history() -> None:
    """List every revision."""
    migrations.history()


def _with_direct_database(action: Callable[[str], None]) -> None:
    settings = load_settings()
    with expected_failures(), database(settings) as url:
        action(settings.direct_url(url))


def main() -> None:
    app()
