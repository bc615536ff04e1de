"""Child processes that never outlive the benchmark, whether it ends normally, fails or is interrupted.

Each child starts in its own session, so a Ctrl-C in the terminal reaches only the benchmark, which then
stops its children in order (servers before the database they use) instead of all of them at once.
"""

# ruff: noqa: S603 (every command is built here from fixed executables and the benchmark's own options)

import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

STOP_GRACE_SECONDS = 15.0


class BenchError(Exception):
    """A failure the operator can act on: printed as one `error:` line, with no traceback."""


def interrupt_on_termination() -> None:
    """Make SIGTERM and SIGHUP unwind like Ctrl-C, so every `finally` still stops its process."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


@contextmanager
def shielded() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM meanwhile: an impatient second Ctrl-C must not abandon a cleanup halfway."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(command: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path, timeout: float) -> str:
    """Run a command to completion; its output is appended to `log` and returned."""
    try:
        # run() kills the child if anything (a timeout, Ctrl-C) interrupts the wait.
        done = subprocess.run(
            list(command),
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        raise BenchError(f"`{_show(command)}` took more than {timeout:.0f} s; see {log}") from expired
    with log.open("a") as out:
        out.write(f"$ {_show(command)}\n{done.stdout}{done.stderr}")
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise BenchError(f"`{_show(command)}` failed (exit {done.returncode}): {last}")
    return done.stdout


@contextmanager
def running(
    command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path, output: Path
) -> Iterator["subprocess.Popen[bytes]"]:
    """Start a long-running command for the duration of the block, its output going to `output`."""
    with output.open("ab") as out:
        process = subprocess.Popen(
            list(command), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        with shielded():
            stop(process)


def stop(process: "subprocess.Popen[bytes]") -> None:
    """SIGTERM the process's group (a uvicorn supervisor and its workers), SIGKILL whatever lingers."""
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_GRACE_SECONDS)
    # Workers orphaned by a crashed supervisor keep its group id (the kernel does not hand out a pid that
    # still names a group), so this reaches only processes started here.
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _signal_group(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signum)


def _show(command: Sequence[str]) -> str:
    return " ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command))
