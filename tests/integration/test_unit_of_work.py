"""The PostgreSQL unit of work over one pooled connection: what it leaves behind on that connection."""

import pytest
from psycopg import AsyncConnection
from psycopg.errors import ForeignKeyViolation
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.pool import read
from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from adapters.postgres.uow import PostgresUnitOfWork
from application.errors import AlreadyExists
from domain.ids import UserId
from domain.notifications import NewNotification, NotificationKind
from domain.users import FIRST_SECURITY_STAMP, NewUser, PasswordHash, User, UserChanges
from tests.contract.conftest import START
from tests.support.database import pool_for_tests

pytestmark = pytest.mark.postgres

PREPARED_INSERT = Statement(
    """SELECT count(*) FROM pg_prepared_statements
       WHERE statement LIKE '%INSERT INTO users%' AND statement NOT LIKE '%pg_prepared_statements%'"""
)


@pytest.mark.usefixtures("clean_pg")
async def test_a_unit_of_work_that_commits_keeps_the_connections_prepared_statements(clean_pg: str) -> None:
    async with pool_for_tests(clean_pg, max_size=1, prepare_threshold=0) as pool:
        await _add_user(pool, "alice")  # prepares the insert on the pool's one connection
        assert await read(pool, PREPARED_INSERT) == [(1,)]
        async with PostgresUnitOfWork(pool) as uow:
            assert await uow.users.get_by_username("alice") is not None
            await uow.commit()
        assert await read(pool, PREPARED_INSERT) == [(1,)]


@pytest.mark.usefixtures("clean_pg")
async def test_leaving_without_commit_discards_changes(clean_pg: str) -> None:
    async with pool_for_tests(clean_pg, max_size=1) as pool:
        async with PostgresUnitOfWork(pool) as uow:
            await uow.users.add(NewUser("bob", "bob@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), START)
        async with PostgresUnitOfWork(pool) as uow:
            assert await uow.users.get_by_username("bob") is None
            await uow.commit()
        async with pool.connection() as conn:
            assert conn.info.transaction_status == TransactionStatus.IDLE


@pytest.mark.usefixtures("clean_pg")
async def test_an_error_read_at_once_rolls_back_and_frees_the_connection(clean_pg: str) -> None:
    async with pool_for_tests(clean_pg, max_size=1) as pool:
        await _add_user(pool, "alice")

        async def add_bob_then_take_alices_name() -> None:
            async with PostgresUnitOfWork(pool) as uow:
                bob = await uow.users.add(
                    NewUser("bob", "bob@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), START
                )
                await uow.users.update(bob.id, UserChanges(username="ALICE"), START)
                await uow.commit()

        with pytest.raises(AlreadyExists):
            await add_bob_then_take_alices_name()
        await _expect_only_alice(pool)


@pytest.mark.usefixtures("clean_pg")
async def test_an_error_of_an_unread_statement_surfaces_at_commit(clean_pg: str) -> None:
    async with pool_for_tests(clean_pg, max_size=1) as pool:
        alice = await _add_user(pool, "alice")
        note = NewNotification(NotificationKind.USER_FOLLOWED, alice.id, START)

        async def add_bob_then_notify_nobody() -> None:
            async with PostgresUnitOfWork(pool) as uow:
                await uow.users.add(
                    NewUser("bob", "bob@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), START
                )
                await uow.notifications.add(1, UserId(987_654), note)  # nobody reads it: no such recipient
                await uow.commit()

        with pytest.raises(ForeignKeyViolation):
            await add_bob_then_notify_nobody()
        await _expect_only_alice(pool)


async def _add_user(pool: AsyncConnectionPool[AsyncConnection], name: str) -> User:
    async with PostgresUnitOfWork(pool) as uow:
        user = await uow.users.add(
            NewUser(name, f"{name}@x.io", PasswordHash("h"), FIRST_SECURITY_STAMP), START
        )
        await uow.commit()
    return user


async def _expect_only_alice(pool: AsyncConnectionPool[AsyncConnection]) -> None:
    async with PostgresUnitOfWork(pool) as uow:
        assert await uow.users.get_by_username("bob") is None
        assert await uow.users.get_by_username("alice") is not None
    async with pool.connection() as conn:
        assert conn.info.transaction_status == TransactionStatus.IDLE


@pytest.mark.usefixtures("clean_pg")
async def test_reads_behind_the_commit_get_their_own_rows_even_from_one_statement(clean_pg: str) -> None:
    pair, single = Statement("SELECT %s::int, %s::text"), Statement("SELECT %s::int")
    async with pool_for_tests(clean_pg, max_size=1) as pool:
        for round_ in range(3):  # the same connection each time
            transaction = await PipelinedTransaction.begin(pool)
            reads = [(pair, (round_, "a")), (single, (7,)), (pair, (round_ + 1, "b"))]
            found = await transaction.commit(reads)
            assert found == [[(round_, "a")], [(7,)], [(round_ + 1, "b")]]
        assert await read(pool, pair, (9, "c")) == [(9, "c")]
