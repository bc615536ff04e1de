"""Rules shared by every piece of user-supplied text."""

import re
from typing import Final

from domain.errors import InvalidValue

# Text that is not blank has a character that is not whitespace (what ``str.strip`` would leave).
NOT_BLANK_PATTERN: Final = r"\S"
_NOT_BLANK = re.compile(NOT_BLANK_PATTERN)


def checked_text(field: str, value: str, *, max_length: int, allow_empty: bool = False) -> str:
    """Return ``value`` if it may be stored, else raise ``InvalidValue`` naming ``field``.

    PostgreSQL text cannot hold NUL, so it is refused here for every store alike; lengths count characters.
    """
    if "\x00" in value:
        raise InvalidValue(field, "must not contain NUL characters")
    if not allow_empty and not _NOT_BLANK.search(value):
        raise InvalidValue(field, "can't be blank")
    if len(value) > max_length:
        raise InvalidValue(field, f"is too long (maximum is {max_length} characters)")
    return value


SEARCH_TERM_MAX_LENGTH: Final = 256


def search_term(field: str, value: str | None) -> str | None:
    """A filter value from a query string: None when absent or blank, refused when unstorable or huge."""
    if value is None or not value.strip():
        return None
    return checked_text(field, value.strip(), max_length=SEARCH_TERM_MAX_LENGTH)
