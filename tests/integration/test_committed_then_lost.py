"""The views a unit of work answers with are read inside its transaction, before its COMMIT: a
connection lost while they are read takes the uncommitted change with it, so the error the caller gets
is true; and one that committed always has its views (tests/e2e/test_outage.py)."""

import psycopg
import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.queries.people import SELECT_PROFILE
from adapters.postgres.statements import Statement
from adapters.postgres.uow import PostgresUnitOfWork
from application.errors import StorageUnavailable
from application.views import AfterCommit, ProfileView
from domain.users import FIRST_SECURITY_STAMP, NewUser, PasswordHash
from tests.support.fakes import SteppingClock

pytestmark = pytest.mark.postgres

Pool = AsyncConnectionPool[AsyncConnection]

# The profile read, ending its own connection first, as a server going away while it runs would.
DYING_READ = Statement(
    b"SELECT u.* FROM (SELECT pg_terminate_backend(pg_backend_pid())) AS dying, LATERAL ("  # type: ignore[arg-type]
    + SELECT_PROFILE.query.encode()  # type: ignore[union-attr]
    + b") AS u",
    ProfileView,
)


@pytest.mark.usefixtures("clean_pg")
async def test_the_views_are_read_before_the_commit_and_see_the_change(pg_pool: Pool) -> None:
    now = SteppingClock().now()
    async with PostgresUnitOfWork(pg_pool) as uow:
        await uow.users.add(NewUser("alice", "a@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), now)
        shown = uow.views.profile("alice", None)
        await uow.commit()
    assert shown.value == ProfileView("alice", "", "", False)


@pytest.mark.usefixtures("clean_pg")
async def test_a_connection_lost_while_the_views_are_read_commits_nothing(pg_pool: Pool) -> None:
    now = SteppingClock().now()
    async with PostgresUnitOfWork(pg_pool) as uow:
        await uow.users.add(NewUser("alice", "a@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), now)
        shown: AfterCommit[ProfileView | None] = AfterCommit()
        params = {"username_key": "alice", "viewer": None}
        uow.views.reads.append((DYING_READ, params, lambda rows: shown.resolve(rows[0])))
        with pytest.raises(StorageUnavailable):
            await uow.commit()
    async with pg_pool.connection() as conn:
        cursor = await conn.execute("SELECT count(*) FROM users")
        assert await cursor.fetchone() == (0,)


@pytest.mark.usefixtures("clean_pg")
async def test_a_connection_failing_after_its_commit_was_answered_still_answers(pg_pool: Pool) -> None:
    now = SteppingClock().now()
    async with PostgresUnitOfWork(pg_pool) as uow:
        await uow.users.add(NewUser("alice", "a@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), now)
        shown = uow.views.profile("alice", None)
        pipeline = uow._transaction._pipeline
        answered = pipeline.aclose

        async def answered_then_lost() -> None:
            # As when the server goes away between its answer to COMMIT and the pipeline's end.
            await answered()
            raise psycopg.OperationalError("cannot exit pipeline mode while busy")

        pipeline.aclose = answered_then_lost  # type: ignore[method-assign]
        await uow.commit()
    assert shown.value == ProfileView("alice", "", "", False)
    async with pg_pool.connection() as conn:
        cursor = await conn.execute("SELECT count(*) FROM users")
        assert await cursor.fetchone() == (1,)
