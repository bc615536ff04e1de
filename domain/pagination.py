"""Pages of a list: bounded, so no request can ask the database for everything at once."""

from dataclasses import dataclass
from typing import Final

from domain.errors import InvalidValue

DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 100
# Deep offsets make the database walk and discard rows; past this, clients should narrow the filter.
MAX_OFFSET: Final = 1_000_000


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidValue("limit", f"must be between 1 and {MAX_LIMIT}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidValue("offset", f"must be between 0 and {MAX_OFFSET}")
