"""The dependency rule, read from the source: import-linter forbids named packages, this forbids any other."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"domain": {"domain"}, "application": {"domain", "application"}}


def imported_top_level_modules(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_core_imports_only_the_standard_library_and_inner_layers(package: str) -> None:
    outside = {
        (where, module)
        for where, module in imported_top_level_modules(package)
        if module not in sys.stdlib_module_names and module not in ALLOWED[package]
    }
    assert not outside, f"{package} must not import these: {sorted(outside)}"
