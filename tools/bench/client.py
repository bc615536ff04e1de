"""The few HTTP calls the benchmark makes itself (readiness, logins), with the standard library only:
`dev.py bench` installs Conduit's runtime dependencies, which do not include an HTTP client."""

import json
import time
import urllib.error
import urllib.request
from subprocess import Popen

from tools.bench.processes import BenchError

READY_TIMEOUT_SECONDS = 60.0


def status_of(url: str) -> int | None:
    """The response status of GET `url`, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own http:// URL)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_until_ready(url: str, server: "Popen[bytes]", log: str) -> None:
    """Poll until GET `url` answers 200; fail early if the server process exits."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while (status := status_of(url)) != 200:
        if server.poll() is not None:
            raise BenchError(
                f"the server exited with status {server.returncode} before it was ready; see {log}"
            )
        if time.monotonic() > deadline:
            raise BenchError(f"{url} still answers {status} after {READY_TIMEOUT_SECONDS:.0f} s; see {log}")
        time.sleep(0.1)


def log_in(base_url: str, email: str, password: str) -> str:
    """POST /api/users/login and return the JWT."""
    body = json.dumps({"user": {"email": email, "password": password}}).encode()
    request = urllib.request.Request(  # noqa: S310 (our own http:// URL)
        f"{base_url}/api/users/login", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own http:// URL)
            return str(json.load(response)["user"]["token"])
    except urllib.error.HTTPError as error:
        raise BenchError(f"logging in as {email} answered {error.code}: {error.read()[:200]!r}") from error
