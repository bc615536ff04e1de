"""`conduit broker`: a NATS server with JetStream in the data folder, for development."""

import typer

from adapters.nats.embedded import EmbeddedNats
from entrypoints.cli.common import expected_failures, load_settings

app = typer.Typer(
    help="Run a NATS server with JetStream in the data folder (CONDUIT_DATA_DIR), for development."
)


def _embedded() -> EmbeddedNats:
    return EmbeddedNats(load_settings().data_dir)


@app.command()
def start() -> None:
    """Start it (it keeps running until `conduit broker stop`); prints its URL for CONDUIT_BROKER_URL."""
    broker = _embedded()
    with expected_failures():
        typer.echo(broker.start())


@app.command()
def stop() -> None:
    """Stop it."""
    _embedded().stop()
    typer.echo("NATS stopped")


@app.command()
def status() -> None:
    """Whether it runs, its pid and URL."""
    found = _embedded().status()
    typer.echo(f"running, pid {found.pid}, {found.url}" if found.running else "not running")


@app.command()
def url() -> None:
    """Its URL (nats://127.0.0.1:PORT), running or not."""
    typer.echo(_embedded().url)
