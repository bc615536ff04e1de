"""No page Conduit serves makes a request off the machine: /docs and /redoc, rendered in a real headless
browser (Debian's chromium, driven by Playwright), with every request and console error watched."""

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import unavailable

pytestmark = pytest.mark.postgres

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As this workplace's browsers are started: no sandbox as root, and none of Chromium's own calls home.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RENDERED = {"/docs": ".swagger-ui .info .title", "/redoc": "h1"}


def here(url: str, base: str) -> bool:
    """Whether loading ``url`` stays with the server at ``base``: inline data, or a blob the page made."""
    if url.startswith("data:"):
        return True
    return urlsplit(url.removeprefix("blob:")).netloc == urlsplit(base).netloc


def test_the_documentation_renders_without_leaving_the_machine(live_server: tuple[str, Path]) -> None:
    if CHROMIUM is None:
        unavailable("no chromium to render the docs in (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    base = live_server[0].removesuffix("/api")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for path, title in RENDERED.items():
                requests: list[str] = []
                errors: list[str] = []
                page = browser.new_page()
                page.on("request", lambda request, seen=requests: seen.append(request.url))
                page.on(
                    "console",
                    lambda message, seen=errors: (
                        seen.append(message.text) if message.type == "error" else None
                    ),
                )
                page.on("pageerror", lambda error, seen=errors: seen.append(str(error)))
                page.goto(base + path, wait_until="networkidle")
                heading = page.wait_for_selector(title, timeout=15_000)
                assert heading is not None
                assert "Conduit" in heading.inner_text()
                page.wait_for_load_state("networkidle")
                elsewhere = [url for url in requests if not here(url, base)]
                assert not elsewhere, f"{path} requested {elsewhere}"
                assert not errors, f"{path} logged {errors}"
                assert any(url.endswith("/openapi.json") for url in requests), requests
                page.close()
        finally:
            browser.close()
