#!/usr/bin/env python3
"""Run Conduit from a bare Python 3.11+; installs what it needs into .venv from the lock file (uv.lock).

python3 dev.py serve [conduit serve options]   run the API (embedded PostgreSQL unless CONDUIT_DATABASE_URL)
python3 dev.py test                            lint, type and import checks, then every test suite
python3 dev.py bench [options]                 the load benchmark (needs wrk); --help lists its options
python3 dev.py conduit <args>                  any other `conduit` command
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
UV_VERSION = "0.13.9"
STEPS = [
    ("lint", ["ruff", "check", "."]),
    ("format", ["ruff", "format", "--check", "."]),
    ("types", ["mypy"]),
    ("import contracts", ["lint-imports"]),
    # One session for every suite (unit, contract, integration, e2e): those that need PostgreSQL share one
    # embedded server per run.
    ("tests", ["pytest", "tests"]),
]


def tool(name: str) -> str:
    return str(VENV / ("Scripts" if os.name == "nt" else "bin") / name)


def sync(*extras: str, exact: bool = True) -> None:
    """Create .venv if needed and install uv.lock into it, saying what it does while it does it (and
    nothing when nothing needed doing)."""
    if sys.version_info < (3, 11):
        sys.exit("Conduit needs Python 3.11 or newer")
    if not Path(tool("python")).exists():
        version = ".".join(map(str, sys.version_info[:3]))
        step(f"creating .venv with Python {version}", [sys.executable, "-m", "venv", str(VENV)])
    if not _has_uv():
        pip = [tool("python"), "-m", "pip", "install", "--disable-pip-version-check", f"uv=={UV_VERSION}"]
        step(f"installing uv {UV_VERSION} into .venv", pip)
    extra_flags = [flag for extra in extras for flag in ("--extra", extra)]
    exactness = [] if exact else ["--inexact"]
    command = [tool("uv"), "sync", "--frozen", "--no-progress", *exactness, *extra_flags]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    step("installing the locked dependencies (uv.lock)", command, env=env, quiet_when=("Audited",))


def step(
    what: str, command: list[str], env: dict[str, str] | None = None, quiet_when: tuple[str, ...] = ()
) -> None:
    """Run one installation step, echoing its output as it comes, with how long it took. A step whose only
    output starts with ``quiet_when`` (uv: "Audited 62 packages") did nothing worth saying. A failure names
    the step and ends dev.py."""
    started, said = time.monotonic(), not quiet_when
    if said:
        print(f"==> {what}", flush=True)
    output: list[str] = []
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line.rstrip())
        if not said and not line.startswith(quiet_when):
            print(f"==> {what}", flush=True)
            said = True
        if said:
            print(f"    {line.rstrip()}", flush=True)
    if process.wait() != 0:
        print(f"==> {what}: failed (exit status {process.returncode})", file=sys.stderr)
        if not said:
            print("\n".join(f"    {line}" for line in output[-20:]), file=sys.stderr)
        sys.exit(1)
    if said:
        print(f"==> {what}: done in {time.monotonic() - started:.1f} s", flush=True)


def _has_uv() -> bool:
    try:
        found = subprocess.run([tool("uv"), "--version"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return False
    return found.returncode == 0 and UV_VERSION in found.stdout


def run_tests() -> int:
    sync("dev")
    results: list[tuple[str, int, float]] = []
    for name, command in STEPS:
        print(f"\n=== {name}: {' '.join(command)}", flush=True)
        started = time.monotonic()
        code = subprocess.run([tool(command[0]), *command[1:]], cwd=ROOT, check=False).returncode
        results.append((name, code, time.monotonic() - started))
    print("\n=== summary")
    for name, code, seconds in results:
        print(f"  {'ok  ' if code == 0 else 'FAIL'}  {name:<20} {seconds:6.1f}s")
    failed = [name for name, code, _ in results if code != 0]
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else 'all checks and test suites passed'}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "test":
        return run_tests()
    if command == "serve":
        sync(exact=False)  # keeps the dev tools a previous `test` installed
        os.execv(tool("conduit"), [tool("conduit"), "serve", *rest])
    if command == "bench":
        sync(exact=False)
        # -m finds the benchmark in the checkout (tools/bench); its arguments are passed through untouched.
        os.chdir(ROOT)
        os.execv(tool("python"), [tool("python"), "-m", "tools.bench", *rest])
    if command == "conduit":
        sync(exact=False)
        os.execv(tool("conduit"), [tool("conduit"), *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
