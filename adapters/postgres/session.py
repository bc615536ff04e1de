"""What every Conduit session runs with, and how each way of connecting gets it.

Conduit's statements assume three settings: times in UTC (``TimeZone``: psycopg reads ``timestamptz`` into
the session's zone, and the API writes times as UTC), a server-side limit on each statement
(``statement_timeout``, so a runaway statement cannot hold a connection forever) and generic plans for
prepared statements (``plan_cache_mode``: the lists are written for them, docs/architecture.md).

- **Directly**, a connection asks for them in its startup packet (libpq's ``options``).
- **Through a transaction pooler** (PgBouncer in transaction mode) that cannot work: PgBouncer refuses
  startup parameters it does not track (1.18 refuses ``options``; ``ignore_startup_parameters`` would drop
  them silently), and a ``SET`` on one client connection would reach only the server connection that
  happened to run it. So there they are the role's defaults in the database (``ALTER ROLE … IN DATABASE
  … SET``), which PostgreSQL applies to every server connection the pooler opens, whoever else uses it.
  ``conduit migrate`` sets them, over the direct URL (``set_role_defaults``).

Either way ``verify`` reads them back when a pool opens: a process whose session differs refuses to
start, and says how to fix it.
"""

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql
from psycopg import errors as pg
from psycopg.conninfo import conninfo_to_dict

from adapters.postgres.errors import translated_errors
from application.errors import StorageMisconfigured, StorageUnavailable

# PostgreSQL's names for UTC that Conduit asks for or an operator may have written by hand.
_UTC = {"utc", "etc/utc"}

SHOW_SETTINGS = "SELECT name, setting FROM pg_settings WHERE name = ANY(%(names)s)"
# How PgBouncer says no to a startup parameter it does not track.
REFUSED_PARAMETER = "unsupported startup parameter"
WHO = "SELECT current_user, current_database()"
ROLE_DEFAULTS = """
    SELECT s.setconfig FROM pg_db_role_setting s
    JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase
    WHERE r.rolname = %(role)s AND d.datname = %(database)s
"""
ALTER_ROLE_SET = sql.SQL("ALTER ROLE {} IN DATABASE {} SET {} = {}")


@dataclass(frozen=True, slots=True)
class SessionSettings:
    statement_timeout_ms: int

    def values(self) -> dict[str, str]:
        """Each setting as ``pg_settings.setting`` shows it (the timeout in milliseconds)."""
        return {
            "TimeZone": "UTC",
            "statement_timeout": str(self.statement_timeout_ms),
            "plan_cache_mode": "force_generic_plan",
        }

    def startup_options(self) -> str:
        """libpq's ``options`` for a direct connection."""
        return " ".join(f"-c {name}={value}" for name, value in self.values().items())

    def role_defaults(self, role: str, database: str) -> list[sql.Composed]:
        """The statements (one per setting) that make these the defaults of ``role``'s sessions in
        ``database``."""
        # A utility statement takes no parameters: the values are composed as literals.
        return [
            ALTER_ROLE_SET.format(
                sql.Identifier(role),
                sql.Identifier(database),
                sql.Identifier(name),
                sql.Literal(value),
            )
            for name, value in self.values().items()
        ]

    def role_defaults_text(self, role: str, database: str, conn: AsyncConnection | psycopg.Connection) -> str:
        return "; ".join(statement.as_string(conn) for statement in self.role_defaults(role, database))


def differences(wanted: SessionSettings, shown: dict[str, str]) -> dict[str, str]:
    """The settings whose value in ``shown`` (``pg_settings``) is not ``wanted``'s: name -> value shown."""
    found = {}
    for name, value in wanted.values().items():
        actual = shown.get(name, "")
        same = actual.lower() in _UTC if name == "TimeZone" else actual == value
        if not same:
            found[name] = actual
    return found


async def verify(conn: AsyncConnection, wanted: SessionSettings, *, pooled: bool) -> None:
    """Raise ``StorageMisconfigured`` unless ``conn``'s session runs with ``wanted``.

    Through a pooler one server connection answers for the others: role defaults apply to them all.
    """
    with translated_errors():
        cursor = await conn.execute(SHOW_SETTINGS, {"names": list(wanted.values())})
        shown = {str(name): str(setting) for name, setting in await cursor.fetchall()}
        cursor = await conn.execute(WHO)
        role, database = await cursor.fetchone() or ("?", "?")
    wrong = differences(wanted, shown)
    if not wrong:
        return
    said = ", ".join(
        f"{name} is {value or 'unset'} (Conduit needs {wanted.values()[name]})"
        for name, value in wrong.items()
    )
    if pooled:
        fix = (
            "run `conduit migrate` with CONDUIT_DIRECT_DATABASE_URL set, or have an administrator run: "
            + wanted.role_defaults_text(str(role), str(database), conn)
        )
    else:
        fix = (
            "something between Conduit and PostgreSQL drops the startup options (a pooler with "
            "ignore_startup_parameters?): point CONDUIT_DIRECT_DATABASE_URL at the server itself"
        )
    raise StorageMisconfigured(f"the database session is not as Conduit needs: {said}; {fix}")


def refused_options(error: BaseException, *, pooled: bool = False) -> StorageMisconfigured | None:
    """What to say when a connection failed because the other end refused Conduit's startup options."""
    if pooled or REFUSED_PARAMETER not in str(error):
        return None
    return StorageMisconfigured(
        f"{_refusal(error)}: CONDUIT_DATABASE_URL is a pooler that takes no startup options (PgBouncer); "
        "set CONDUIT_DIRECT_DATABASE_URL to the server itself, run `conduit migrate`, and set "
        "CONDUIT_PREPARE_THRESHOLD=none unless the pooler keeps prepared statements (docs/operations.md)"
    )


async def connect(conninfo: str, wanted: SessionSettings, *, pooled: bool, **kwargs: Any) -> AsyncConnection:
    """A connection made as the pool makes them, its session verified (``verify``)."""
    if not pooled:
        kwargs["options"] = wanted.startup_options()
    try:
        with translated_errors():
            conn = await AsyncConnection.connect(conninfo, **kwargs)
    except StorageUnavailable as error:
        cause = error.__cause__
        better = (
            refused_options(cause, pooled=pooled) if isinstance(cause, psycopg.OperationalError) else None
        )
        if better is None:
            raise
        raise better from None
    try:
        await verify(conn, wanted, pooled=pooled)
    except BaseException:
        await conn.close()
        raise
    return conn


def _refusal(error: BaseException) -> str:
    return next(line for line in str(error).splitlines() if REFUSED_PARAMETER in line).strip()


def set_role_defaults(pooled_url: str, direct_url: str, wanted: SessionSettings) -> str | None:
    """Make ``wanted`` the defaults of the pooled URL's role in the direct URL's database; returns the SQL
    run, or None when they already were.

    Nothing connects through the pooler first: a server connection it opened before the change would keep
    the old settings (the pooler holds its server connections for long; only new ones get new defaults).
    A pooler that logs in as another role than its clients name is told by ``verify``, with the SQL.
    """
    with translated_errors(), psycopg.connect(direct_url) as conn:
        role = str(conninfo_to_dict(pooled_url).get("user") or conn.info.user)
        database = conn.info.dbname
        row = conn.execute(ROLE_DEFAULTS, {"role": role, "database": database}).fetchone()
        present = set(row[0] or ()) if row else set()
        if {f"{name}={value}" for name, value in wanted.values().items()} <= present:
            return None
        text = wanted.role_defaults_text(role, database, conn)
        try:
            with conn.transaction():
                for statement in wanted.role_defaults(role, database):
                    conn.execute(statement)
        except pg.InsufficientPrivilege as refused:
            raise StorageMisconfigured(
                f"{conn.info.user} may not set the defaults of role {role} ({refused.diag.message_primary}); "
                f"have an administrator run: {text}"
            ) from None
        return text
