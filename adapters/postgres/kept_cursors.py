"""Workaround: each pooled connection keeps a cursor per statement, so psycopg finds a statement's adapters
once per connection instead of once per execution.

Delete when psycopg keeps adapters across cursors itself (per connection or per query), or stops keeping
them on a cursor that runs the same query again: tests/integration/test_kept_cursors.py pins both.

psycopg gives a cursor fresh adapters (a dumper looked up per parameter, a loader per result column)
whenever it runs a query other than its last one; a cursor that runs the same query object again keeps
them. One cursor per statement per connection keeps them however statements interleave, and
``python3 dev.py bench --instructions`` measures what that saves (docs/performance.md).

Sharing a cursor is safe under one rule: a pooled connection has one borrower at a time, and a
statement's result is read before the statement runs again on the connection, or never read. Each kept
cursor holds its statement's last result until the statement runs again.
"""

from typing import Any, TypeVar

from psycopg import AsyncConnection, AsyncCursor

from adapters.postgres.statements import Statement

R = TypeVar("R")

# Per connection: every statement Conduit runs, with room to spare; a statement beyond it gets a new cursor.
KEPT_CURSORS = 64


class KeptCursorsConnection(AsyncConnection):
    """The pool's connection class (``connection_class=``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: dict[Statement[Any], AsyncCursor[Any]] = {}


def cursor_for(conn: AsyncConnection, statement: Statement[R]) -> AsyncCursor[R]:
    """The connection's cursor for ``statement``: kept, when the connection keeps them, else a new one."""
    if not isinstance(conn, KeptCursorsConnection):
        return conn.cursor(row_factory=statement.rows)
    cursor = conn.kept.get(statement)
    if cursor is None or cursor.closed:
        cursor = conn.cursor(row_factory=statement.rows)
        if len(conn.kept) < KEPT_CURSORS:
            conn.kept[statement] = cursor
    return cursor
