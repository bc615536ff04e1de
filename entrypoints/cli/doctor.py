"""`conduit doctor`: what usually stands between a user and a running Conduit, one line each, with the fix."""

import socket
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import typer

from adapters.postgres.probe import describe, driver_implementation
from application.errors import StorageUnavailable
from entrypoints.database import database
from entrypoints.migrations import head_revision
from entrypoints.settings import MIN_PRODUCTION_SECRET_BYTES, Settings

MIN_PYTHON = (3, 11)


@dataclass(frozen=True, slots=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def examine(settings: Settings) -> Iterator[Finding]:
    yield _python()
    yield _driver()
    yield _data_folder(settings)
    yield _port(settings)
    yield _secret(settings)
    yield from _database(settings)


def report(findings: Iterator[Finding]) -> bool:
    """Print each finding as it comes; True when every one is fine."""
    healthy = True
    for finding in findings:
        healthy &= finding.ok
        typer.echo(f"{'ok  ' if finding.ok else 'FAIL'}  {finding.name:<10} {finding.detail}")
        if finding.fix:
            typer.echo(f"{'':16}fix: {finding.fix}")
    return healthy


def _python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < MIN_PYTHON:
        return Finding("python", False, version, "Conduit needs Python 3.11 or newer")
    return Finding("python", True, version)


def _driver() -> Finding:
    implementation = driver_implementation()
    if implementation == "python":
        fix = "install psycopg's compiled wrapper: pip install 'psycopg[binary]' (python3 dev.py does)"
        return Finding("driver", False, "psycopg's pure-Python libpq wrapper (slow)", fix)
    return Finding("driver", True, f"psycopg with its {implementation} libpq wrapper")


def _data_folder(settings: Settings) -> Finding:
    folder = settings.data_dir.resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as error:
        fix = "make it writable, or point CONDUIT_DATA_DIR at a folder that is"
        return Finding("data", False, f"{folder} is not writable ({error.strerror})", fix)
    return Finding("data", True, f"{folder} is writable")


def _port(settings: Settings) -> Finding:
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        try:
            probe.bind((settings.host, settings.port))
        except OSError as error:
            fix = "stop what listens there, or serve elsewhere: conduit serve --port N (or CONDUIT_PORT)"
            return Finding("port", False, f"{settings.host}:{settings.port} is taken ({error.strerror})", fix)
    return Finding("port", True, f"{settings.host}:{settings.port} is free")


def _secret(settings: Settings) -> Finding:
    if settings.jwt_secret is None:
        return Finding("secret", True, "generated for development, kept in the data folder")
    length = len(settings.jwt_secret.get_secret_value().encode())
    if length < MIN_PRODUCTION_SECRET_BYTES:
        fix = (
            f"set CONDUIT_JWT_SECRET to at least {MIN_PRODUCTION_SECRET_BYTES} random bytes before production"
        )
        return Finding("secret", settings.env != "production", f"CONDUIT_JWT_SECRET is {length} bytes", fix)
    return Finding("secret", True, f"CONDUIT_JWT_SECRET is {length} bytes")


def _database(settings: Settings) -> Iterator[Finding]:
    try:
        with database(settings) as url:
            found = describe(url)
    except StorageUnavailable as error:
        fix = (
            "check CONDUIT_DATABASE_URL (host, port, credentials) and that the server runs"
            if settings.database_url is not None
            else "read its log (CONDUIT_DATA_DIR/postgres/log), or start it: conduit db start"
        )
        yield Finding("database", False, f"unreachable: {_first_line(error.__cause__ or error)}", fix)
        return
    yield Finding("database", True, f"PostgreSQL {found.version}, database {found.database}")
    expected = head_revision()
    if found.schema_revision == expected:
        yield Finding("schema", True, f"at revision {expected}")
    elif settings.migrate_on_start:
        yield Finding(
            "schema", True, f"at {found.schema_revision or 'none'}; conduit serve migrates it to {expected}"
        )
    else:
        fix = "run conduit migrate (CONDUIT_MIGRATE_ON_START is false)"
        yield Finding(
            "schema", False, f"at {found.schema_revision or 'none'}, the code expects {expected}", fix
        )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
