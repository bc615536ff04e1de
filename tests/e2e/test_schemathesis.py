"""Schemathesis against a live `conduit serve` on PostgreSQL, driven by Conduit's own OpenAPI document and
by the official RealWorld one: no generated request may get a server error, nor a response its document
does not describe. Bounded to a fixed seed and a few examples per operation (docs/testing.md);
docs/api.md lists, per operation, where the official document allows what Conduit refuses.
"""

import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import settings_for
from tests.support.live import live_conduit
from tests.support.realworld import official_file

pytestmark = pytest.mark.postgres

SEED = 20_260_101
EXAMPLES = 5
CHECKS = ["not_a_server_error", "response_schema_conformance", "content_type_conformance"]


def configured(*, own: bool, refusals: dict[str, str]) -> SchemathesisConfig:
    """The checks that run, and ``refusals``: operations whose valid data Conduit may refuse with a 422,
    each with the reason (docs/api.md's table). Only Conduit's ``own`` document lists every status an
    operation may answer, and only it has limits whose boundaries (the coverage phase) are worth trying;
    the official one documents no 403, 404, 413, 415, 429 nor 503, which every implementation gives."""
    checks: dict[str, Any] = {"enabled": False} | {name: {"enabled": True} for name in CHECKS}
    checks["status_code_conformance"] = {"enabled": own}
    checks["positive_data_acceptance"] = {"enabled": True}
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # PostgreSQL cannot store NUL: every text refuses it (docs/api.md), no schema says so.
            "generation": {"allow-x00": False, "max-examples": EXAMPLES, "deterministic": True},
            "checks": checks,
            "phases": {"coverage": {"enabled": own}},
            "operations": [
                {"include-name": name, "checks": {"positive_data_acceptance": {"enabled": False}}}
                for name in refusals
            ],
        }
    )


# Valid data by the document that Conduit may still refuse with a 422, per operation, and why (docs/api.md
# has the same table). Conduit's own document: rules no JSON Schema can state.
SELF = "following or unfollowing yourself"
TAKEN = "a username or email already taken; a common password, or one equal to the username"
OWN_REFUSALS = {
    "POST /api/users": TAKEN,
    "PUT /api/user": TAKEN,
    "POST /api/profiles/{username}/follow": SELF,
    "DELETE /api/profiles/{username}/follow": SELF,
    # Schemathesis compares integer bounds beyond 2^53 as floats, so it may send MAX_ID + 192.
    "POST /api/notifications/read": "an id over 2^63 - 1, generated as within it",
    "DELETE /api/articles/{slug}/comments/{id}": "an id over 2^63 - 1, generated as within it",
}
# The official document: its rules are looser than Conduit's.
BLANK = "blank text, and values over Conduit's limits"
OFFICIAL_REFUSALS = {
    "POST /users": "blank text, malformed email or username, short or common password; " + TAKEN,
    "POST /users/login": "blank email or password",
    "PUT /user": "blank or malformed text, short or common password; " + TAKEN,
    "POST /profiles/{username}/follow": SELF,
    "DELETE /profiles/{username}/follow": SELF,
    "GET /articles": "limit over 100, offset over 1,000,000, filters over 256 characters",
    "GET /articles/feed": "limit over 100, offset over 1,000,000",
    "POST /articles": BLANK,
    "PUT /articles/{slug}": BLANK,
    "POST /articles/{slug}/comments": BLANK,
    "DELETE /articles/{slug}/comments/{id}": "a comment id below 1 or over 2^63 - 1",
}
SENT: dict[str, int] = {"conduit": 0, "official": 0}
STREAM_PATH = "/api/notifications/stream"


class Caller:
    """A registered user whose token every request carries; a new password's response carries the next."""

    def __init__(self, token: str) -> None:
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    def saw(self, case: Case, response: Any) -> None:
        if case.method == "PUT" and case.path.endswith("/user") and response.status_code == 200:
            self.token = response.json()["user"]["token"]


@pytest.fixture(scope="module")
def served(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Without a write budget every write is judged on its own, however many the run makes.
    unlimited = {"CONDUIT_WRITES_PER_MINUTE": "0"}
    with live_conduit(pg_server, tmp_path_factory.mktemp("fuzzed"), unlimited) as (api_url, log_path):
        yield api_url
    print(f"schemathesis requests sent: {SENT}")
    server_errors = [line for line in log_path.read_text().splitlines() if re.search(r"status=5\d\d", line)]
    assert not server_errors, server_errors


@pytest.fixture(scope="module")
def caller(served: str) -> Caller:
    user = {"username": "fuzzer", "email": "fuzzer@example.com", "password": "fuzzing pass-phrase"}
    response = httpx.post(f"{served}/users", json={"user": user})
    assert response.status_code == 201, response.text
    return Caller(response.json()["user"]["token"])


def conduit_document() -> Any:
    """The document the app serves (test_served_document_is_the_one_fuzzed checks that it is)."""
    app = create_app(build_container(settings_for(Path("/nonexistent"), None), memory=True))
    config = configured(own=True, refusals=OWN_REFUSALS)
    # The notification stream is left out: with the caller's token it answers 200 and then streams until
    # the token expires, so a request would never end (tests/e2e/test_notification_stream.py tests it,
    # and its document: 401, 422, 429).
    return schemathesis.openapi.from_dict(app.openapi(), config=config).exclude(path=STREAM_PATH)


OFFICIAL_DOCUMENT = official_file("openapi.yml")
conduit = conduit_document()
official = (
    schemathesis.openapi.from_path(
        OFFICIAL_DOCUMENT if isinstance(OFFICIAL_DOCUMENT, Path) else Path(__file__),
        config=configured(own=False, refusals=OFFICIAL_REFUSALS),
    )
    if isinstance(OFFICIAL_DOCUMENT, Path)
    else None
)
BOUNDED = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)


@conduit.parametrize()
@BOUNDED
def test_conduits_own_document(case: Case, served: str, caller: Caller) -> None:
    SENT["conduit"] += 1
    response = case.call_and_validate(base_url=served.removesuffix("/api"), headers=caller.headers())
    caller.saw(case, response)


if official is not None:

    @official.parametrize()
    @BOUNDED
    def test_the_official_document(case: Case, served: str, caller: Caller) -> None:
        SENT["official"] += 1
        response = case.call_and_validate(base_url=served, headers=caller.headers())
        caller.saw(case, response)

else:

    def test_the_official_document() -> None:
        reason = str(OFFICIAL_DOCUMENT)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the official OpenAPI document cannot be read: {reason}")
        warnings.warn(f"SKIPPING schemathesis on the official document: {reason}", stacklevel=1)
        pytest.skip(reason)


def test_served_document_is_the_one_fuzzed(served: str) -> None:
    served_document = httpx.get(served.removesuffix("/api") + "/openapi.json").json()
    assert served_document == conduit.raw_schema
