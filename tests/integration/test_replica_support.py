"""The test support's streaming replicas (tests/support/replica.py) are real ones: they replay the
primary's commits, can be paused, refuse writes, stop and start; the synchronous pair never lags."""

import psycopg
import pytest

from tests.support.database import database_name, fresh_database
from tests.support.replica import Standby

pytestmark = pytest.mark.postgres


def count_on(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM probe").fetchone()
    assert row is not None
    return int(row[0])


def test_a_standby_replays_pauses_refuses_writes_and_restarts(pg_server: str, standby: Standby) -> None:
    with fresh_database(pg_server, "standby") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE probe (n int)")
            conn.execute("INSERT INTO probe VALUES (1)")
        replica = standby.url(database_name(url))
        standby.caught_up(url)
        assert count_on(replica) == 1
        standby.pause_replay()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO probe VALUES (2)")
        assert count_on(replica) == 1, "replayed while paused"
        standby.resume_replay()
        standby.caught_up(url)
        assert count_on(replica) == 2
        with (
            psycopg.connect(replica, autocommit=True) as conn,
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
        ):
            conn.execute("INSERT INTO probe VALUES (3)")
        standby.stop()
        with pytest.raises(psycopg.OperationalError):
            count_on(replica)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO probe VALUES (3)")
        standby.start()
        standby.caught_up(url)
        assert count_on(replica) == 3


def test_the_synchronous_standby_has_each_commit_when_it_returns(synced_pair: tuple[str, Standby]) -> None:
    primary, standby = synced_pair
    with fresh_database(primary, "synced") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE probe (n int)")
        replica = standby.url(database_name(url))
        with psycopg.connect(url, autocommit=True) as conn, psycopg.connect(replica, autocommit=True) as read:
            for n in range(20):
                conn.execute("INSERT INTO probe VALUES (%s)", [n])
                row = read.execute("SELECT count(*) FROM probe").fetchone()
                assert row == (n + 1,)
