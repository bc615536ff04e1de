"""The PostgreSQL unit of work: one pooled connection, one transaction (a ``PipelinedTransaction``)."""

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from adapters.postgres.articles import PgArticleRepository
from adapters.postgres.comments import PgCommentRepository
from adapters.postgres.consistency import committed, current_fence
from adapters.postgres.notifications import PgNotificationRepository
from adapters.postgres.outbox import OutboxBell, PgOutbox
from adapters.postgres.pool import Params, Pool
from adapters.postgres.queries.articles import SELECT_ARTICLE
from adapters.postgres.queries.comments import SELECT_COMMENT
from adapters.postgres.queries.people import SELECT_PROFILE
from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from adapters.postgres.users import PgUserRepository
from adapters.postgres.write_budgets import PgWriteBudget, WriteLeases
from application.ports import UnitOfWork
from application.throttling import WriteLimit
from application.views import AfterCommit, ArticleView, CommentView, ProfileView, ViewsAfterCommit
from domain.ids import CommentId, Slug, UserId
from domain.users import username_key

V = TypeVar("V")


class PostgresUnitOfWork(UnitOfWork):
    """Statements go out as they are executed; the unit of work waits only for the results it reads and for
    the COMMIT. Leaving the block without committing rolls back before the connection goes back."""

    def __init__(
        self,
        pool: Pool,
        bell: OutboxBell | None = None,
        write_limit: WriteLimit | None = None,
        write_leases: WriteLeases | None = None,
        articles_changed: Callable[[], None] | None = None,
    ) -> None:
        """``articles_changed`` is called once a unit of work that added, edited or deleted an article has
        committed, or perhaps has (a COMMIT whose answer was lost)."""
        self._pool, self._bell = pool, bell
        self._write_limit, self._write_leases = write_limit, write_leases
        self._articles_changed = articles_changed

    async def __aenter__(self) -> Self:
        self._transaction = transaction = await PipelinedTransaction.begin(self._pool)
        self._open = True
        self.users = PgUserRepository(transaction)
        self.writes = PgWriteBudget(self._write_limit, self._write_leases)
        self.articles = PgArticleRepository(transaction)
        self.comments = PgCommentRepository(transaction)
        self.outbox = PgOutbox(transaction)
        self.notifications = PgNotificationRepository(transaction)
        self.views = PgViewsAfterCommit()
        return self

    async def commit(self) -> None:
        self._open = False
        # The recorded events go out with the COMMIT, and so do statements nobody read: their constraint
        # errors surface here.
        try:
            await self.outbox.flush()
        except BaseException:
            self.writes.undo()
            await self._transaction.rollback()
            raise
        reads = self.writes.reads + self.views.reads
        fenced = current_fence() is not None
        try:
            found = await self._transaction.commit(
                [(statement, params) for statement, params, _ in reads], position=fenced
            )
        except BaseException:
            self.writes.undo()
            raise
        finally:
            if self.articles.changed and self._articles_changed is not None:
                self._articles_changed()
        if fenced:
            committed(self._transaction.committed_at)
        for (_, _, resolve), rows in zip(reads, found, strict=True):
            resolve(rows)
        if self.outbox.recorded and self._bell is not None:
            self._bell.ring()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._open:
            self._open = False
            self.writes.undo()
            await self._transaction.rollback()


class PgViewsAfterCommit(ViewsAfterCommit):
    """The views a unit of work answers with, read by the read side's own statements. The unit of work
    sends them right before its COMMIT, in the same round trip (``reads``), and hands back their rows."""

    def __init__(self) -> None:
        self.reads: list[tuple[Statement[Any], Params, Callable[[list[Any]], None]]] = []

    def article(self, slug: Slug, viewer: UserId | None) -> AfterCommit[ArticleView | None]:
        return self._later(SELECT_ARTICLE, {"slug": slug, "viewer": viewer})

    def comment(self, comment_id: CommentId, viewer: UserId | None) -> AfterCommit[CommentView | None]:
        return self._later(SELECT_COMMENT, {"id": comment_id, "viewer": viewer})

    def profile(self, username: str, viewer: UserId | None) -> AfterCommit[ProfileView | None]:
        return self._later(SELECT_PROFILE, {"username_key": username_key(username), "viewer": viewer})

    def _later(self, statement: Statement[V], params: Params) -> AfterCommit[V | None]:
        answer: AfterCommit[V | None] = AfterCommit()

        def resolve(rows: list[V]) -> None:
            answer.resolve(rows[0] if rows else None)

        self.reads.append((statement, params, resolve))
        return answer
