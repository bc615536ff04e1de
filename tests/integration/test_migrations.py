"""Migrations go up from empty, down to base and up again, one revision at a time (the "stairway"), and
every downgrade really undoes its upgrade: the schema after down and up again is the schema before."""

from collections.abc import Iterator

import psycopg
import pytest
from alembic.script import ScriptDirectory

from entrypoints import migrations
from tests.support.database import fresh_database

pytestmark = pytest.mark.postgres

# Everything a migration can create in the public schema, each as comparable text.
SCHEMA = {
    "columns": """
        SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
               || coalesce(column_default, '') || ' ' || coalesce(is_identity, '')
        FROM information_schema.columns WHERE table_schema = 'public'""",
    "indexes": "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": """
        SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "functions": """
        SELECT p.oid::regprocedure || ' ' || pg_get_functiondef(p.oid)
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace""",
    "triggers": """
        SELECT tgrelid::regclass || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal""",
}


@pytest.fixture
def empty_database(pg_server: str) -> Iterator[str]:
    with fresh_database(pg_server, "stairway") as url:
        yield url


def schema(url: str) -> dict[str, set[str]]:
    with psycopg.connect(url) as conn:
        found = {part: {row[0] for row in conn.execute(query).fetchall()} for part, query in SCHEMA.items()}
    found["columns"] = {column for column in found["columns"] if not column.startswith("alembic_version.")}
    found["indexes"] = {index for index in found["indexes"] if "alembic_version" not in index}
    found["constraints"] = {c for c in found["constraints"] if not c.startswith("alembic_version ")}
    return found


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_every_revision_upgrades_downgrades_and_upgrades_again_to_the_same_schema(
    empty_database: str,
) -> None:
    revisions = revisions_oldest_first()
    assert revisions[-1] == migrations.head_revision()
    before = schema(empty_database)
    for revision in revisions:
        migrations.upgrade(empty_database, revision)
        after_upgrade = schema(empty_database)
        migrations.downgrade(empty_database, "-1")
        assert schema(empty_database) == before, f"downgrading {revision} left something behind"
        migrations.upgrade(empty_database, revision)
        assert schema(empty_database) == after_upgrade, f"{revision} upgrades differently the second time"
        before = after_upgrade


def test_downgrade_to_base_leaves_nothing_and_head_comes_back(empty_database: str) -> None:
    migrations.upgrade(empty_database)
    head = schema(empty_database)
    assert {"users", "articles", "outbox"} <= {c.split(".")[0] for c in head["columns"]}
    migrations.downgrade(empty_database, "base")
    assert schema(empty_database) == {part: set() for part in SCHEMA}
    migrations.upgrade(empty_database)
    assert schema(empty_database) == head


def test_usernames_one_name_once_case_folded_stop_the_upgrade_that_makes_them_unique(
    empty_database: str,
) -> None:
    migrations.upgrade(empty_database, "0011")
    with psycopg.connect(empty_database) as conn:
        conn.execute(
            """INSERT INTO users (username, email, password_hash, created_at, updated_at)
               VALUES ('Stra\u00dfe', 'a@x.io', 'h', now(), now()), ('STRASSE', 'b@x.io', 'h', now(), now()),
                      ('alice', 'c@x.io', 'h', now(), now())"""
        )
    with pytest.raises(RuntimeError, match="rename all but one of each: Stra\u00dfe, STRASSE"):
        migrations.upgrade(empty_database, "0012")
    with psycopg.connect(empty_database) as conn:
        conn.execute("UPDATE users SET username = 'STRASSE2' WHERE username = 'STRASSE'")
    migrations.upgrade(empty_database, "0012")
    with psycopg.connect(empty_database) as conn:
        keys = dict(conn.execute("SELECT username, username_key FROM users").fetchall())
    assert keys == {"Stra\u00dfe": "strasse", "STRASSE2": "strasse2", "alice": "alice"}
