"""Reading a Prometheus exposition in the tests."""

import re
import time
from collections.abc import Callable

import httpx


def value(text: str, series: str) -> float | None:
    """The value of one series (name and labels exactly as exposed), or None when it is not there."""
    found = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    return None if found is None else float(found.group(1))


def scrape_until(url: str, ready: Callable[[str], bool], seconds: float = 10.0) -> str:
    """The exposition once ``ready`` says so; the figures sampled each second may need a moment."""
    deadline = time.monotonic() + seconds
    while True:
        text = httpx.get(url, timeout=5).text
        if ready(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.2)
