"""Read-your-writes: a request's reads see what its user committed, even from a replica that lags.

A position is a place in the primary's write-ahead log, in bytes (an LSN). A unit of work that commits
reads the primary's position right after its COMMIT and leaves it on the request's ``ReadFence``; the edge
then remembers it for the user (``RecentWrites``) and hands it to the client in a signed cookie. A later
request of that user, on this process by the memory or on any other by the cookie, carries the position
in its own fence, and replicas.py reads from a replica only once that replica has replayed past it.

A position is needed only as long as a replica in rotation may lack it: every replica in rotation has
replayed all that the primary had ``max_lag`` ago, so positions are kept (and cookies live) that long.
Outside a request (the worker, the CLI) there is no fence, and units of work read no position.
"""

import hashlib
import hmac
from contextvars import ContextVar
from dataclasses import dataclass
from time import monotonic

# A COMMIT whose position never arrived (the connection failed right after it): only the primary is sure
# to have it.
UNKNOWN_POSITION = 2**63 - 1
COOKIE = "conduit_read_after"


@dataclass(slots=True)
class ReadFence:
    """What one request's reads must see (``after``) and where its own writes committed (``wrote``)."""

    writes: "RecentWrites"
    after: int = 0
    wrote: int = 0
    user: int | None = None

    def read_as(self, user: int) -> None:
        """The request is ``user``'s: its reads see what that user committed through this process."""
        self.user = user
        self.after = max(self.after, self.writes.position_of(user))


_FENCE: ContextVar[ReadFence | None] = ContextVar("conduit_read_fence", default=None)


def current_fence() -> ReadFence | None:
    return _FENCE.get()


def committed(position: int | None) -> None:
    """A unit of work committed at ``position`` (None: it committed, where is unknown)."""
    fence = _FENCE.get()
    if fence is not None:
        fence.wrote = max(fence.wrote, UNKNOWN_POSITION if position is None else position)


class RecentWrites:
    """Each user's latest commit position, for ``keep_seconds``; and the cookie that carries one."""

    def __init__(self, keep_seconds: float, secret: str) -> None:
        self.keep_seconds = keep_seconds
        self._key = hashlib.sha256(b"conduit read-after cookie\x00" + secret.encode()).digest()
        self._by_user: dict[int, tuple[int, float]] = {}  # oldest first: each write moves its user last

    def fence(self, cookie: str | None = None) -> ReadFence:
        """The fence of the request being served (until the next call in this context)."""
        fence = ReadFence(self, after=self._opened(cookie) if cookie else 0)
        _FENCE.set(fence)
        return fence

    def remembered(self) -> int:
        """How many users' positions are kept."""
        return len(self._by_user)

    def position_of(self, user: int) -> int:
        found = self._by_user.get(user)
        if found is None or found[1] <= monotonic():
            return 0
        return found[0]

    def remember(self, fence: ReadFence) -> str | None:
        """After the request's writes: remember where its user's commit went; the cookie's value, if any."""
        if not fence.wrote:
            return None
        now = monotonic()
        if fence.user is not None:
            self._by_user.pop(fence.user, None)
            self._by_user[fence.user] = (fence.wrote, now + self.keep_seconds)
        while self._by_user:
            oldest = next(iter(self._by_user))
            if self._by_user[oldest][1] > now:
                break
            del self._by_user[oldest]
        return self._sealed(fence.wrote)

    def _sealed(self, position: int) -> str:
        value = str(position)
        return f"{value}.{hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]}"

    def _opened(self, cookie: str) -> int:
        """The position a cookie carries; 0 for one this service did not seal."""
        value, _, mac = cookie.partition(".")
        if not (value.isascii() and value.isdigit()) or len(value) > 19:
            return 0
        if not hmac.compare_digest(mac, self._sealed(int(value)).partition(".")[2]):
            return 0
        return min(int(value), UNKNOWN_POSITION)
