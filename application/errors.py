"""Failures a use case reports; the entrypoints decide how each one reaches the caller."""


class ApplicationError(Exception):
    """Base of every failure raised by a use case."""


class NotFound(ApplicationError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class AlreadyExists(ApplicationError):
    """A unique value is taken; ``field`` names the input that collided."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} has already been taken")
        self.field = field


class AuthenticationFailed(ApplicationError):
    """The caller could not be identified: bad credentials, a bad token or a user that no longer exists."""


class PermissionDenied(ApplicationError):
    """The caller is known but may not do this."""


class StorageUnavailable(ApplicationError):
    """The store cannot be reached or answer in time (down, restarting, every connection busy, a statement
    over its time limit): nobody's fault, worth retrying shortly."""


class BrokerUnavailable(ApplicationError):
    """The message broker cannot be reached or does not confirm in time: like ``StorageUnavailable``,
    nobody's fault, worth retrying shortly."""


class RateLimited(ApplicationError):
    """The caller has used up a budget; ``retry_after`` says in how many seconds it has some again.
    ``budget`` names which one (``"login"`` or ``"writes"``), so an operator can tell them apart."""

    def __init__(self, message: str, retry_after: int, budget: str) -> None:
        super().__init__(message)
        self.retry_after, self.budget = retry_after, budget


class StorageMisconfigured(ApplicationError):
    """The store answers but is not set up as Conduit needs (its sessions' settings): an operator's fix,
    not worth retrying."""
