"""Rows are read into Conduit's types by column name, whatever order the SQL lists the columns in."""

from dataclasses import dataclass
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

import pytest

from adapters.postgres.statements import Statement


class Kind(StrEnum):
    ONE = "one"


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    following: bool


@dataclass(frozen=True, slots=True)
class Post:
    slug: str
    tags: tuple[str, ...]
    kind: Kind
    author: Author
    editor: Author | None


def rows_of(statement: Statement[Any], names: list[str], *rows: list[Any]) -> list[Any]:
    cursor = SimpleNamespace(description=[SimpleNamespace(name=name) for name in names])
    make = statement.rows(cursor)  # type: ignore[arg-type]
    return [make(row) for row in rows]


def test_columns_land_in_the_fields_of_their_names_nested_and_converted() -> None:
    names = ["author_following", "kind", "slug", "editor_name", "tags", "author_name", "editor_following"]
    row = [True, "one", "hello", None, ["a", "b"], "alice", None]
    edited = [False, "one", "again", "bob", [], "carol", True]
    assert rows_of(Statement("...", Post), names, row, edited) == [
        Post("hello", ("a", "b"), Kind.ONE, Author("alice", True), None),
        Post("again", (), Kind.ONE, Author("carol", False), Author("bob", True)),
    ]


def test_the_mapping_is_worked_out_once_per_statement() -> None:
    statement = Statement("...", Author)
    first = rows_of(statement, ["following", "name"], [True, "alice"])
    # The same statement always returns the same columns: a later result is read with the first mapping.
    again = rows_of(statement, ["name", "following"], [False, "bob"])
    assert (first, again) == ([Author("alice", True)], [Author("bob", False)])


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["name"], "no column 'following'"),
        (["name", "following", "extra"], "columns without a field"),
        (["name", "name", "following"], "duplicate column names"),
    ],
)
def test_a_missing_extra_or_repeated_column_is_an_error(names: list[str], problem: str) -> None:
    with pytest.raises(TypeError, match=problem):
        rows_of(Statement("...", Author), names, [None] * len(names))


def test_without_a_type_rows_stay_tuples() -> None:
    assert rows_of(Statement("SELECT 1, 2"), ["a", "b"], [1, 2]) == [(1, 2)]
