"""`conduit db`: the embedded PostgreSQL server of the data folder."""

import typer

from adapters.postgres.embedded import EmbeddedPostgres
from entrypoints.cli.common import expected_failures, fail, load_settings

app = typer.Typer(help="Manage the embedded PostgreSQL server of the data folder (CONDUIT_DATA_DIR).")


def _embedded() -> EmbeddedPostgres:
    settings = load_settings()
    if settings.database_url is not None:
        fail("CONDUIT_DATABASE_URL is set: Conduit uses that server, there is no embedded one to manage")
    return EmbeddedPostgres(settings.data_dir)


@app.command()
def start() -> None:
    """Start the server and keep it running after this command (until `conduit db stop`)."""
    server = _embedded()
    with expected_failures():
        server.join()
        server.pin()
        server.leave()
    typer.echo(f"embedded PostgreSQL running in {server.pgdata}")


@app.command()
def stop() -> None:
    """Stop the server, unless another Conduit process still uses it."""
    server = _embedded()
    users = server.stop()
    if users:
        fail(f"still in use by process {', '.join(map(str, users))}; stop those first")
    typer.echo("embedded PostgreSQL stopped")


@app.command()
def status() -> None:
    """Show whether the server runs, and who uses it. Exit status 3 when it is not running."""
    server = _embedded()
    state = server.status()
    if not state.running:
        typer.echo(f"stopped (data folder {server.pgdata})")
        raise typer.Exit(3)
    users = ", ".join(map(str, state.users)) or "none"
    typer.echo(f"running: pid {state.pid}, url {state.url}")
    typer.echo(f"used by: {users}; kept running after its last user: {'yes' if state.pinned else 'no'}")


@app.command()
def url() -> None:
    """Print the connection URL (starting the server if needed): psql "$(conduit db url)"."""
    settings = load_settings()
    if settings.database_url is not None:
        typer.echo(settings.database_url.get_secret_value())
        return
    server = EmbeddedPostgres(settings.data_dir)
    state = server.status()
    if state.url is not None:
        typer.echo(state.url)
        return
    with expected_failures():
        address = server.join()
        server.pin()
        server.leave()
    typer.echo(address)
