"""What operators and tooling rely on: health, request ids, offline docs, and a safe 500."""

import logging

import pytest
from dependency_injector import providers

from tests.e2e.conftest import Api, errors


async def test_healthz_and_readyz(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["schemaRevision"] == ready.json()["expectedRevision"]


async def test_request_id_is_echoed_or_generated(api: Api) -> None:
    given = await api.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await api.client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    forged = await api.client.get("/healthz", headers={"X-Request-ID": "evil\tlog line " * 20})
    assert forged.headers["x-request-id"] != "evil\tlog line " * 20


async def test_docs_are_served_without_a_cdn(api: Api) -> None:
    page = await api.client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    script = next(line for line in page.text.splitlines() if "swagger-ui-bundle.js" in line)
    path = script.split('src="', 1)[1].split('"', 1)[0]
    asset = await api.client.get(path)
    assert asset.status_code == 200
    assert len(asset.content) > 100_000
    redoc = await api.client.get("/redoc")
    assert redoc.status_code == 200
    assert "cdn" not in redoc.text.lower()


class Exploding:
    async def __call__(self, *args: object) -> None:
        raise RuntimeError("secret internal detail")


@pytest.mark.allow_5xx
async def test_unexpected_error_is_a_generic_500_and_the_traceback_is_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    token = await api.register("alice")
    api.container.get_current_user.override(providers.Object(Exploding()))
    with caplog.at_level(logging.ERROR):
        response = await api.client.get("/api/user", headers=api.auth(token))
    assert response.status_code == 500
    assert response.json() == errors(None, "internal server error")
    assert "secret internal detail" not in response.text
    assert "secret internal detail" in caplog.text


async def test_openapi_documents_the_token_scheme_where_it_applies(api: Api) -> None:
    schema = (await api.client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["Token"]["name"] == "Authorization"
    paths = schema["paths"]
    assert paths["/api/user"]["get"]["security"] == [{"Token": []}]
    assert paths["/api/articles/{slug}/favorite"]["delete"]["security"] == [{"Token": []}]
    assert paths["/api/articles"]["get"]["security"] == [{}, {"Token": []}]
    assert "security" not in paths["/api/tags"]["get"]
    assert "security" not in paths["/api/users/login"]["post"]


async def test_openapi_documents_the_query_parameters_of_the_lists(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    listed = {p["name"]: p for p in paths["/api/articles"]["get"]["parameters"]}
    assert set(listed) == {"tag", "author", "favorited", "limit", "offset"}
    assert all(p["in"] == "query" and p["required"] is False for p in listed.values())
    limit = listed["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == ("integer", 1, 100, 20)
    for paged in ("/api/articles/feed", "/api/notifications"):
        assert [p["name"] for p in paths[paged]["get"]["parameters"]] == ["limit", "offset"]


async def test_cross_origin_requests_get_cors_headers_and_others_vary_on_origin(api: Api) -> None:
    plain = await api.client.get("/api/tags")
    assert plain.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in plain.headers
    cross = await api.client.get("/api/tags", headers={"Origin": "https://app.example"})
    assert cross.headers["access-control-allow-origin"] == "*"
    preflight = await api.client.options(
        "/api/user",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert "PUT" in preflight.headers["access-control-allow-methods"]


@pytest.mark.allow_5xx
async def test_log_lines_carry_the_request_id(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    api.container.list_tags.override(providers.Object(Exploding()))
    with caplog.at_level(logging.ERROR):
        await api.client.get("/api/tags", headers={"X-Request-ID": "trace-me-123"})
    events = [record.msg for record in caplog.records if isinstance(record.msg, dict)]
    assert {"event": "unhandled error", "request_id": "trace-me-123"}.items() <= events[-1].items()
