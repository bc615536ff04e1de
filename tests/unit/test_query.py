"""entrypoints/http/query.py answers exactly as FastAPI's own query parameters would, and the FastAPI
behaviour it works around is still there."""

import json
import sys
from enum import StrEnum
from types import FrameType
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query, Request

from entrypoints.http.query import PageQuery, documented, read_query
from entrypoints.http.routes.articles import ArticleListQuery


def app_with_both() -> FastAPI:
    app = FastAPI()

    @app.get("/native")
    async def native(query: Annotated[ArticleListQuery, Query()]) -> dict[str, Any]:
        return query.model_dump()

    @app.get("/read")
    async def read(request: Request) -> dict[str, Any]:
        return read_query(ArticleListQuery, request).model_dump()

    @app.get("/nothing")
    async def nothing() -> dict[str, Any]:
        return {}

    @app.get("/five")
    async def five(
        limit: int = 20,
        offset: int = 0,
        tag: str | None = None,
        author: str | None = None,
        x: str | None = None,
    ) -> dict[str, Any]:
        return {}

    return app


async def get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "limit=5&offset=10",
        "tag=dragons&author=Alice&favorited=bob",
        "limit=0",
        "limit=abc&offset=-1",
        "limit=101",
        "offset=1000001",
        "limit=1.5",
        "limit=5&limit=7",
        "unknown=1&tag=",
    ],
)
async def test_a_query_reads_and_fails_exactly_as_fastapi_would(query: str) -> None:
    app = app_with_both()
    native, read = await get(app, f"/native?{query}"), await get(app, f"/read?{query}")
    assert (read.status_code, read.json()) == (native.status_code, native.json())


async def fastapi_calls(app: FastAPI, path: str) -> int:
    """Python function calls into FastAPI's own modules while one request to ``path`` is answered."""
    await get(app, path)  # warm
    calls = 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call" and "/fastapi/" in frame.f_code.co_filename:
            calls += 1

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        sys.setprofile(count)
        try:
            await client.get(path)
        finally:
            sys.setprofile(None)
    return calls


async def test_fastapi_still_inspects_each_declared_parameter_on_every_request() -> None:
    """Pins what query.py works around: if this fails, FastAPI no longer does per-parameter work on each
    request, and declaring the model with Query() may be as cheap as read_query."""
    app = app_with_both()
    per_parameter = (await fastapi_calls(app, "/five?limit=3") - await fastapi_calls(app, "/nothing")) / 5
    assert per_parameter >= 10


class Kind(StrEnum):
    ONE = "one"
    TWO = "two"


class KindQuery(PageQuery):
    kind: Kind | None = None


def test_documented_parameters_are_fastapis_own_with_their_schemas_written_in() -> None:
    parameters = documented(KindQuery)["parameters"]
    assert [p["name"] for p in parameters] == ["limit", "offset", "kind"]
    assert "$ref" not in json.dumps(parameters)
    kind = parameters[2]["schema"]
    assert {"type": "string", "enum": ["one", "two"], "title": "Kind"} in kind["anyOf"]
    assert parameters[0]["schema"]["maximum"] == 100
