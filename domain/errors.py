"""Errors raised when a value or an action breaks a domain rule."""

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
U = TypeVar("U")


class DomainError(Exception):
    """Base of every rule violation raised by the domain."""


class InvalidInput(DomainError):
    """One or more values break a rule; ``problems`` maps each input field to what is wrong with it."""

    def __init__(self, problems: Mapping[str, Sequence[str]]) -> None:
        self.problems = {field: list(messages) for field, messages in problems.items()}
        super().__init__("; ".join(f"{f} {m}" for f, ms in self.problems.items() for m in ms))


class InvalidValue(InvalidInput):
    """A single value breaks a rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: [message]})
        self.field = field
        self.message = message


class NotAuthor(DomainError):
    """Only the author of an article or comment may change or delete it."""


class Problems:
    """Runs several checks and reports every failure at once, so a client can fix a form in one round."""

    def __init__(self) -> None:
        self._found: dict[str, list[str]] = {}

    def check(self, rule: Callable[[T], U], value: T) -> U:
        try:
            return rule(value)
        except InvalidInput as invalid:
            for field, messages in invalid.problems.items():
                self._found.setdefault(field, []).extend(messages)
            # Never read: raise_if_any() runs before the caller uses any checked value.
            return cast(U, None)

    def raise_if_any(self) -> None:
        if self._found:
            raise InvalidInput(self._found)
