"""Settings are documented by construction: the settings model, .env.example and the README's
configuration table name the same settings with the same defaults, so none can be added, renamed or
changed without its documentation."""

import re
from pathlib import Path

from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "CONDUIT_"
# What the documents write for a setting without a default value.
NO_DEFAULT = {"", "unset", "generated"}


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def model() -> dict[str, str]:
    return {
        f"{PREFIX}{name.upper()}": as_text(field.default) for name, field in Settings.model_fields.items()
    }


def env_example(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.startswith(PREFIX))
    return dict(pairs)


def readme_table(text: str) -> dict[str, str]:
    """The configuration table's rows; a row may name several settings (`A` / `_B`) with as many defaults."""
    table = text.split("| Setting | Default | Meaning |", 1)[1].split("\n\n", 1)[0]
    documented: dict[str, str] = {}
    for row in table.strip().splitlines()[1:]:
        names_cell, default_cell = (cell.strip() for cell in row.strip("|").split("|")[:2])
        names = re.findall(r"`([A-Z_]+)`", names_cell)
        defaults = [part.strip().strip("`") for part in default_cell.split(" / ")]
        if len(defaults) != len(names):
            defaults = defaults * len(names)
        # `CONDUIT_POOL_MIN_SIZE` / `_MAX_SIZE`: the suffix replaces as many words of the first name.
        full = [names[0]] + [
            names[0].rsplit("_", name.count("_"))[0] + name if name.startswith("_") else name
            for name in names[1:]
        ]
        documented |= {
            name: "" if default in NO_DEFAULT else default
            for name, default in zip(full, defaults, strict=True)
        }
    return documented


def test_the_model_env_example_and_readme_list_the_same_settings_with_the_same_defaults() -> None:
    expected = model()
    assert env_example((ROOT / ".env.example").read_text()) == expected
    assert readme_table((ROOT / "README.md").read_text()) == expected


def test_a_setting_missing_from_a_document_is_noticed() -> None:
    readme = (ROOT / "README.md").read_text()
    without = "\n".join(line for line in readme.splitlines() if "`CONDUIT_TAGS_CACHE_SECONDS`" not in line)
    assert "CONDUIT_TAGS_CACHE_SECONDS" not in readme_table(without)
    env = env_example((ROOT / ".env.example").read_text())
    assert env.pop("CONDUIT_ACCESS_LOG") == "true"
    assert env != model()
