"""Migrations go up from empty, down to base and up again, one revision at a time (the "stairway")."""

from collections.abc import Iterator

import psycopg
import pytest
from alembic.script import ScriptDirectory

from entrypoints import migrations
from tests.support.database import fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_database(pg_server: str) -> Iterator[str]:
    with fresh_database(pg_server, "stairway") as url:
        yield url


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows} - {"alembic_version"}


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_every_revision_upgrades_downgrades_and_upgrades_again(empty_database: str) -> None:
    revisions = revisions_oldest_first()
    assert revisions[-1] == migrations.head_revision()
    for revision in revisions:
        migrations.upgrade(empty_database, revision)
        after_upgrade = tables(empty_database)
        migrations.downgrade(empty_database, "-1")
        migrations.upgrade(empty_database, revision)
        assert tables(empty_database) == after_upgrade
    assert "users" in tables(empty_database)


def test_downgrade_to_base_leaves_nothing_and_head_comes_back(empty_database: str) -> None:
    migrations.upgrade(empty_database)
    head_tables = tables(empty_database)
    migrations.downgrade(empty_database, "base")
    assert tables(empty_database) == set()
    migrations.upgrade(empty_database)
    assert tables(empty_database) == head_tables
