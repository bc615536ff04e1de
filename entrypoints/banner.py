"""What a starting process tells its operator, once: where it serves, on which database, at which schema."""

import structlog

from adapters.postgres.probe import describe
from entrypoints.connection_limits import ConnectionBudget
from entrypoints.migrations import head_revision
from entrypoints.settings import Settings

log = structlog.get_logger("conduit")


def database_in_use(settings: Settings, url: str) -> dict[str, str]:
    """The database a process uses, as log fields: embedded (with its data folder) or where it is."""
    found = describe(url)
    if settings.database_url is None:
        where = f"embedded PostgreSQL {found.version}, data in {(settings.data_dir / 'postgres').resolve()}"
    elif found.host.startswith("/"):
        where = f"PostgreSQL {found.version}, socket in {found.host}, database {found.database}"
    else:
        where = f"PostgreSQL {found.version} at {found.host}:{found.port}, database {found.database}"
    expected = head_revision()
    schema = found.schema_revision or "none"
    if found.schema_revision != expected:
        schema += f" (the code expects {expected}: run conduit migrate)"
    return {"database": where, "schema": schema}


def serving(
    settings: Settings,
    url: str,
    *,
    host: str,
    port: int,
    workers: int,
    budget: ConnectionBudget,
    metrics: str | None,
) -> None:
    base = f"http://{host}:{port}"
    if budget.connections < settings.max_connections:
        log.warning(
            "CONDUIT_MAX_CONNECTIONS lowered to half the file-descriptor limit; raise the hard limit "
            "(ulimit -Hn, LimitNOFILE=) to allow more",
            max_connections=budget.connections,
            descriptors=budget.descriptors,
        )
    log.info(
        "Conduit is starting",
        api=f"{base}/api",
        docs=f"{base}/docs and {base}/redoc",
        metrics=metrics or "off",
        workers=workers,
        connections_per_worker=budget.connections,
        **database_in_use(settings, url),
    )


def consuming(settings: Settings, url: str, *, metrics: str | None) -> None:
    log.info(
        "Conduit worker started",
        batch_size=settings.worker_batch_size,
        poll_seconds=settings.worker_poll_seconds,
        metrics=metrics or "off",
        **database_in_use(settings, url),
    )


def consuming_broker(settings: Settings, url: str, *, broker: str, metrics: str | None) -> None:
    log.info(
        "Conduit consume started",
        broker=broker,
        deliveries_at_once=settings.pool_max_size,
        metrics=metrics or "off",
        **database_in_use(settings, url),
    )
