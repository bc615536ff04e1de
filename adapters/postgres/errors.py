"""Turns driver errors into application errors, so no constraint or driver name reaches a caller."""

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import errors as pg

from application.errors import AlreadyExists

# Unique index name -> the input field whose value collided.
_UNIQUE_FIELDS = {
    "users_username_key": "username",
    "users_email_key": "email",
}


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except pg.UniqueViolation as violation:
        field = _UNIQUE_FIELDS.get(violation.diag.constraint_name or "")
        if field is None:
            raise
        raise AlreadyExists(field) from None
