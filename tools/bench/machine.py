"""Where and on what the numbers were measured, recorded beside them."""

# ruff: noqa: S603, S607 (git from PATH, with fixed arguments)

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "psycopg", "psycopg-binary", "pydantic")


def describe(wrk_version: str) -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_gb": round(_meminfo_kb("MemTotal") / 1024**2, 1),
        "load_average": load_average(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "wrk": wrk_version,
    }


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def cpu_ticks() -> tuple[int, int] | None:
    """Busy and total clock ticks of all CPUs since boot (Linux's /proc/stat), None elsewhere.

    Whatever kept the CPUs busy counts: the server, PostgreSQL, wrk, the kernel's share of loopback
    traffic, and anything else on the machine. Idle and I/O wait are not busy.
    """
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


def git() -> dict[str, Any]:
    def output(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    # Uncommitted changes mean the commit alone does not say what was measured.
    return {
        "commit": output("rev-parse", "HEAD") or None,
        "dirty": bool(output("status", "--porcelain", "--untracked-files=no")),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meminfo_kb(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
