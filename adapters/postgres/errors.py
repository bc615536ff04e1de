"""Turns driver errors into application errors, so no constraint, driver or pool reaches a caller."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg
from psycopg_pool import PoolClosed, PoolTimeout

from application.errors import (
    AlreadyExists,
    ApplicationError,
    AuthenticationFailed,
    NotFound,
    StorageUnavailable,
)
from application.throttling import writes_spent

# Unique index name -> the input field whose value collided.
_UNIQUE_FIELDS = {
    "users_username_key": "username",
    "users_email_key": "email",
    "articles_slug_key": "slug",
}


# Foreign keys that fail when the row they point at is gone (a deleted user's token, an article deleted
# while a comment on it was being written).
def _user_gone() -> ApplicationError:
    return AuthenticationFailed("user no longer exists")


_MISSING_REFERENCES: dict[str, Callable[[], ApplicationError]] = {
    "articles_author_id_fkey": _user_gone,
    "follows_follower_id_fkey": _user_gone,
    "favorites_user_id_fkey": _user_gone,
    "comments_author_id_fkey": _user_gone,
    "follows_followee_id_fkey": lambda: NotFound("profile"),
    "favorites_article_id_fkey": lambda: NotFound("article"),
    "comments_article_id_fkey": lambda: NotFound("article"),
}


# What the write budget trigger (migration 0013) raises at a COMMIT that overspends; its hint is the seconds
# until a write is back.
WRITE_BUDGET_SPENT = "write budget spent"


@contextmanager
def translated_errors() -> Iterator[None]:
    """Around every use of a connection: what the application can name leaves as an application error.

    Anything else (an unexpected constraint, a syntax error) is a bug and stays as it is.
    """
    try:
        yield
    except pg.UniqueViolation as violation:
        field = _UNIQUE_FIELDS.get(violation.diag.constraint_name or "")
        if field is None:
            raise
        raise AlreadyExists(field) from None
    except pg.RaiseException as raised:
        if raised.diag.message_primary != WRITE_BUDGET_SPENT:
            raise
        raise writes_spent(int(raised.diag.message_hint or 1)) from None
    except pg.ForeignKeyViolation as violation:
        missing = _MISSING_REFERENCES.get(violation.diag.constraint_name or "")
        if missing is None:
            raise
        raise missing() from None
    # Connection failures, server shutdowns, statement timeouts, and a pool with no connection in time.
    except (psycopg.OperationalError, PoolTimeout, PoolClosed) as unavailable:
        raise StorageUnavailable(f"{type(unavailable).__name__}: {unavailable}") from unavailable
