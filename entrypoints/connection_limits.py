"""How many connections a worker may hold: fewer than it has file descriptors, with room to spare.

Every client connection costs a file descriptor, and so does everything else a worker needs: its pooled
connections to PostgreSQL, log files, the modules it still imports. A worker out of descriptors can
accept nothing and open nothing, so every request fails, not only the newest. `conduit serve` therefore
raises its soft limit to the hard one (the workers inherit it) and lets connections have at most half of
what it then has.
"""

import contextlib
import resource
from dataclasses import dataclass

# A hard limit of "unlimited" cannot be the soft limit (Linux caps it at fs.nr_open, macOS at
# kern.maxfilesperproc); this is the largest asked for then, and the soft limit stays if refused.
UNLIMITED_TARGET = 1024 * 1024
# Connections get at most 1/SHARE of the descriptors; the rest stay for the pool, logs and the like.
SHARE = 2


@dataclass(frozen=True)
class ConnectionBudget:
    descriptors: int  # the soft RLIMIT_NOFILE in force
    connections: int  # connections a worker may hold


def raise_descriptor_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit if it can; return the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        # Refused (a hard limit too high for the kernel): the limit that was stays.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connection_cap(configured: int, descriptors: int) -> int:
    """The configured connections, lowered to at most a share of ``descriptors`` (and at least 2, so that
    one connection can be answered while another is refused)."""
    return max(2, min(configured, descriptors // SHARE))


def plan(configured: int) -> ConnectionBudget:
    """Raise the descriptor limit, then size the connections to it."""
    descriptors = raise_descriptor_limit()
    return ConnectionBudget(descriptors, connection_cap(configured, descriptors))
