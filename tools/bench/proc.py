"""CPU time and peak memory of a process and its descendants, read from /proc (Linux only).

A uvicorn with --workers 1 serves from the process we started; with more, that process supervises N
worker children, and the PostgreSQL postmaster likewise forks one backend per connection. Summing the
whole tree counts all of them.
"""

import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ProcessTree:
    root: int

    def pids(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for pid, stat in _all_stats():
            children.setdefault(int(stat[1]), []).append(pid)
        found, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def cpu_seconds(self) -> float:
        """User + system time of every live process of the tree so far."""
        ticks = 0
        for pid in self.pids():
            stat = _stat(pid)
            if stat is not None:
                ticks += int(stat[11]) + int(stat[12])  # utime, stime
        return ticks / TICKS_PER_SECOND

    def peak_rss_mb(self) -> dict[int, float]:
        """Each process's peak resident memory (VmHWM) in MiB."""
        peaks = {}
        for pid in self.pids():
            with suppress(FileNotFoundError, ProcessLookupError):
                for line in (PROC / str(pid) / "status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) / 1024  # kB
        return peaks


def _all_stats() -> list[tuple[int, list[str]]]:
    stats = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            stats.append((int(entry.name), stat))
    return stats


def _stat(pid: int) -> list[str] | None:
    """The fields after the command name (which may hold spaces and parentheses): state, ppid, ..."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2 :].split()
