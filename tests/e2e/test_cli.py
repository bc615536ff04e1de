"""The `conduit` command line against a real PostgreSQL, error exits included."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from entrypoints import migrations
from entrypoints.cli.main import app
from tests.support.database import fresh_database

pytestmark = pytest.mark.postgres

runner = CliRunner()


@pytest.fixture
def database(pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with fresh_database(pg_server, "cli") as url:
        migrations.upgrade(url)
        monkeypatch.setenv("CONDUIT_DATABASE_URL", url)
        monkeypatch.setenv("CONDUIT_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("CONDUIT_JWT_SECRET", "cli-test-secret-of-at-least-thirty-two-bytes")
        monkeypatch.setenv("CONDUIT_LOG_LEVEL", "WARNING")
        yield url


def conduit(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


@pytest.mark.usefixtures("database")
def test_users_create_list_and_set_password() -> None:
    assert conduit("users", "create", "alice", "alice@example.com", "--password", "pass-phrase-1") == (
        0,
        "created user alice\n",
    )
    code, out = conduit("users", "create", "bob", "bob@example.com", stdin="pass-phrase-2\npass-phrase-2\n")
    assert code == 0
    assert "created user bob" in out
    assert "pass-phrase-2" not in out, "a prompted password is not echoed"
    assert conduit("users", "list") == (0, "alice\talice@example.com\nbob\tbob@example.com\n")
    assert conduit("users", "set-password", "ALICE", "--password", "new-password")[0] == 0


def stamp_of(database: str, username: str) -> int:
    with psycopg.connect(database) as conn:
        found = conn.execute("SELECT security_stamp FROM users WHERE username = %s", [username]).fetchone()
    assert found is not None
    return int(found[0])


def test_revoking_tokens_and_setting_a_password_give_a_user_a_new_security_stamp(database: str) -> None:
    conduit("users", "create", "alice", "alice@example.com", "--password", "pass-phrase-1")
    registered = stamp_of(database, "alice")
    assert conduit("users", "revoke-tokens", "ALICE") == (0, "tokens of ALICE revoked\n")
    revoked = stamp_of(database, "alice")
    assert conduit("users", "set-password", "alice", "--password", "pass-phrase-2")[0] == 0
    assert len({registered, revoked, stamp_of(database, "alice")}) == 3


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["users", "create", "x y", "x@example.com", "--password", "pass-phrase-1"],
            "username may contain only",
        ),
        (["users", "create", "carol", "not-an-email", "--password", "pass-phrase-1"], "email is invalid"),
        (["users", "create", "carol", "c@example.com", "--password", "short"], "password is too short"),
        (["users", "set-password", "nobody", "--password", "pass-phrase-1"], "user not found"),
        (["users", "revoke-tokens", "nobody"], "user not found"),
    ],
)
def test_user_commands_fail_with_one_line(args: list[str], message: str) -> None:
    code, out = conduit(*args)
    assert code == 1
    assert out.startswith("error: ")
    assert message in out
    assert "Traceback" not in out


@pytest.mark.usefixtures("database")
def test_taken_username_is_refused() -> None:
    conduit("users", "create", "alice", "alice@example.com", "--password", "pass-phrase-1")
    assert conduit("users", "create", "ALICE", "other@example.com", "--password", "pass-phrase-1") == (
        1,
        "error: username has already been taken\n",
    )


def test_seed_is_reproducible_and_keeps_counters_exact(database: str, pg_server: str) -> None:
    code, out = conduit("seed", "--users", "30", "--articles", "200", "--seed", "5")
    assert code == 0, out
    assert out.startswith("seeded 30 users, 200 articles")
    snapshot = "SELECT string_agg(slug || author_id || favorites_count, ',' ORDER BY id) FROM articles"
    with psycopg.connect(database) as conn:
        first = conn.execute(snapshot).fetchone()
        consistent = conn.execute(
            """SELECT (SELECT sum(article_count) FROM article_count_shards) = (SELECT count(*) FROM articles),
                      NOT EXISTS (SELECT 1 FROM tags t WHERE
                                  (SELECT coalesce(sum(article_count), 0) FROM tag_counts WHERE tag_id = t.id)
                                  <> (SELECT count(*) FROM article_tags WHERE tag_id = t.id)),
                      NOT EXISTS (SELECT 1 FROM users u WHERE favorite_count <>
                                  (SELECT count(*) FROM favorites WHERE user_id = u.id)),
                      NOT EXISTS (SELECT 1 FROM articles a WHERE tag_names <>
                                  ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                                        WHERE at.article_id = a.id ORDER BY t.name COLLATE "C")),
                      (SELECT count(*) FROM articles WHERE cardinality(tag_names) > 1) > 0"""
        ).fetchone()
        # Vacuumed: every page of the index-only scanned links is marked all-visible.
        visible = conn.execute(
            "SELECT relpages > 0 AND relallvisible = relpages FROM pg_class WHERE relname = 'article_tags'"
        ).fetchone()
    assert consistent == (True, True, True, True, True)
    assert visible == (True,)
    assert conduit("seed")[0] == 1, "seeding a database that has users is refused"
    with fresh_database(pg_server, "cli_again") as again:
        migrations.upgrade(again)
        result = runner.invoke(
            app,
            ["seed", "--users", "30", "--articles", "200", "--seed", "5"],
            env={"CONDUIT_DATABASE_URL": again},
        )
        assert result.exit_code == 0
        with psycopg.connect(again) as conn:
            assert conn.execute(snapshot).fetchone() == first


@pytest.mark.usefixtures("database")
def test_seed_is_not_bound_by_the_statement_timeout_of_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    # Seeding 100,000 articles outlasted the 5 s default on a slow machine; here 2,000 outlast 20 ms.
    monkeypatch.setenv("CONDUIT_STATEMENT_TIMEOUT_MS", "20")
    code, out = conduit("seed", "--users", "50", "--articles", "2000")
    assert code == 0, out


@pytest.mark.usefixtures("database")
def test_migrate_subcommands() -> None:
    assert conduit("migrate")[0] == 0
    assert conduit("migrate", "current")[0] == 0
    code, out = conduit("migrate", "history")
    assert code == 0
    assert migrations.head_revision() in out


def test_unreachable_database_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONDUIT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    monkeypatch.setenv("CONDUIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONDUIT_POOL_TIMEOUT_SECONDS", "2")
    for args in (["migrate"], ["users", "list"], ["serve"], ["seed"]):
        code, out = conduit(*args)
        assert code == 1, (args, out)
        assert out.startswith("error: database unavailable"), (args, out)
        assert len(out.strip().splitlines()) == 1


def test_bad_configuration_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_ENV", "production")
    monkeypatch.delenv("CONDUIT_JWT_SECRET", raising=False)
    code, out = conduit("users", "list")
    assert code == 1
    assert out.startswith("error: invalid configuration")
    monkeypatch.setenv("CONDUIT_ENV", "staging")
    assert conduit("migrate")[0] == 1


def test_openapi_describes_the_api_and_its_extension() -> None:
    code, out = conduit("openapi")
    assert code == 0
    document = json.loads(out)
    assert {"/api/articles/{slug}/comments/{id}", "/api/notifications", "/api/notifications/read"} <= set(
        document["paths"]
    )


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["worker"], ["migrate"], ["db"], ["db", "url"], ["users", "create"], ["seed"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    code, out = conduit(*command, "--help")
    assert code == 0
    assert "Usage" in out


def test_db_commands_manage_the_embedded_server_without_stopping_a_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONDUIT_DATABASE_URL", raising=False)
    monkeypatch.setenv("CONDUIT_DATA_DIR", str(tmp_path / "data"))
    assert conduit("db", "status")[0] == 3
    assert conduit("db", "start")[0] == 0
    code, out = conduit("db", "status")
    assert (code, out.startswith("running")) == (0, True)
    code, url = conduit("db", "url")
    with psycopg.connect(url.strip()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    # Another process uses the server: stopping it is refused until that process is gone.
    user = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from adapters.postgres.embedded import EmbeddedPostgres; "
            "EmbeddedPostgres(Path(sys.argv[1])).join(); print('joined', flush=True); time.sleep(60)",
            str(tmp_path / "data"),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert user.stdout is not None
        assert user.stdout.readline().strip() == b"joined"
        code, out = conduit("db", "stop")
        assert code == 1
        assert f"still in use by process {user.pid}" in out
        assert conduit("db", "status")[0] == 0
    finally:
        user.kill()
        user.wait()
    time.sleep(0.1)
    assert conduit("db", "stop") == (0, "embedded PostgreSQL stopped\n")
    assert conduit("db", "status")[0] == 3


def test_db_commands_refuse_when_an_external_database_is_configured(database: str) -> None:
    assert conduit("db", "start")[0] == 1
    assert conduit("db", "url") == (0, database + "\n")
