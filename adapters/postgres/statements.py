"""SQL statements, and the rows they return read into Conduit's own types by column name.

A ``Statement`` pairs one SQL text with the type its rows become. Each field of that type takes the column
of its name (the SQL's ``AS`` says which); a field whose type is a dataclass takes the columns named
``<field>_<its field>``, and is None when an optional one's first column is NULL; tuple fields take
arrays, enum fields their values. A column without a field, or a field without a column, is an error the
first time the statement runs, so a reordered or renamed column can never land in the wrong field.
"""

import dataclasses
from collections.abc import Callable, Sequence
from enum import Enum
from types import NoneType, UnionType
from typing import (
    Any,
    Generic,
    LiteralString,
    TypeAlias,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
    overload,
)

from psycopg import AsyncCursor, sql
from psycopg.rows import RowMaker

R = TypeVar("R")
Query: TypeAlias = LiteralString | bytes | sql.Composed


class Statement(Generic[R]):
    """One SQL statement and the type of its rows (``into``); without one, rows stay tuples.

    ``prepared=False`` keeps psycopg from preparing it however often it runs (BEGIN and COMMIT cannot be).
    """

    __slots__ = ("_into", "_make", "prepared", "query")

    @overload
    def __init__(
        self: "Statement[tuple[Any, ...]]", query: Query, into: None = None, *, prepared: bool = True
    ) -> None: ...

    @overload
    def __init__(self, query: Query, into: type[R], *, prepared: bool = True) -> None: ...

    def __init__(self, query: Query, into: type[R] | None = None, *, prepared: bool = True) -> None:
        self.query, self.prepared = query, prepared
        self._into = into
        self._make: Callable[[Sequence[Any]], R] | None = None

    def rows(self, cursor: AsyncCursor[Any]) -> RowMaker[R]:
        """The statement's psycopg row factory: the mapping is worked out once, from its first result."""
        make = self._make
        if make is None:
            names = [column.name for column in cursor.description or ()]
            make = self._make = cast(
                Callable[[Sequence[Any]], R], tuple if self._into is None else _row_maker(self._into, names)
            )
        return make


def _row_maker(into: type[Any], names: Sequence[str]) -> Callable[[Sequence[Any]], Any]:
    """A function from a row's values to ``into``, compiled once like a dataclass's own ``__init__``."""
    columns = {name: position for position, name in enumerate(names)}
    if len(columns) != len(names):
        raise TypeError(f"duplicate column names for {into.__name__}: {list(names)}")
    namespace: dict[str, Any] = {}
    expression = _build(into, "", columns, namespace, optional=False)
    if columns:
        raise TypeError(f"columns without a field of {into.__name__}: {sorted(columns)}")
    source = f"def make(v):\n    return {expression}\n"
    exec(compile(source, f"<rows of {into.__name__}>", "exec"), namespace)  # noqa: S102 (built from field names)
    make: Callable[[Sequence[Any]], Any] = namespace["make"]
    return make


def _build(
    kind: Any, prefix: str, columns: dict[str, int], namespace: dict[str, Any], *, optional: bool
) -> str:
    """Source of an expression building ``kind`` from ``v``; takes the columns it uses out of ``columns``."""
    if not dataclasses.is_dataclass(kind):
        return _value(kind, prefix.removesuffix("_"), columns, namespace, optional=optional)
    hints = get_type_hints(kind)
    fields = dataclasses.fields(kind)
    # An optional object is None when the column of its first field is NULL (a LEFT JOIN found nothing).
    first = f"{prefix}{fields[0].name}"
    present = columns.get(first)
    parts = []
    for field in fields:
        inner, nullable = _unoptional(hints[field.name])
        parts.append(_build(inner, f"{prefix}{field.name}_", columns, namespace, optional=nullable))
    built = f"{_add(namespace, kind)}({', '.join(parts)})"
    if not optional:
        return built
    if present is None:
        raise TypeError(f"optional {kind!r}: its first field ({first}) must be a column of its own")
    return f"(None if v[{present}] is None else {built})"


def _value(
    kind: Any, column: str, columns: dict[str, int], namespace: dict[str, Any], *, optional: bool
) -> str:
    if column not in columns:
        raise TypeError(f"no column {column!r} for a field")
    value = f"v[{columns.pop(column)}]"
    if get_origin(kind) is tuple:
        converted = f"tuple({value})"
    elif isinstance(kind, type) and issubclass(kind, Enum):
        converted = f"{_add(namespace, kind)}({value})"
    else:
        return value
    return f"(None if {value} is None else {converted})" if optional else converted


def _unoptional(hint: Any) -> tuple[Any, bool]:
    if get_origin(hint) in (Union, UnionType):
        members = [member for member in get_args(hint) if member is not NoneType]
        if len(members) == 1:
            return members[0], True
    return hint, False


def _add(namespace: dict[str, Any], value: Any) -> str:
    name = f"_{len(namespace)}"
    namespace[name] = value
    return name
