"""Workaround: a list route reads its query string with one pydantic validation, not FastAPI's
per-parameter path.

Delete when FastAPI stops re-inspecting every declared query parameter's type on each request; then
declare the model as ``Annotated[Model, Query()]``. tests/unit/test_query.py pins that behaviour and
checks that this module answers exactly as FastAPI would: the same values, the same 422 errors (raised
as FastAPI's own ``RequestValidationError``, located at ``("query", name)``), and the same parameters in
the OpenAPI document, which ``documented`` takes from FastAPI itself. ``python3 dev.py bench
--instructions`` measures what it saves (docs/performance.md).

Like FastAPI for single-valued parameters, a name given twice counts with its last value, and names the
model does not know are ignored.
"""

from functools import cache
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Page


class QueryModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PageQuery(QueryModel):
    """The page of a list: every paged endpoint's query, or the base of it."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip")

    @property
    def page(self) -> Page:
        return Page(self.limit, self.offset)


Q = TypeVar("Q", bound=QueryModel)


def read_query(model: type[Q], request: Request) -> Q:
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as invalid:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in invalid.errors(include_url=False)]
        raise RequestValidationError(errors) from None


@cache
def documented(model: type[QueryModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring the model's fields as query parameters, exactly as FastAPI documents
    ``Annotated[model, Query()]`` (asked of FastAPI itself), with the schemas they refer to written in."""
    probe = FastAPI()

    async def endpoint(query: Annotated[model, Query()]) -> None:  # type: ignore[valid-type]
        return None

    probe.get("/probe")(endpoint)
    document = get_openapi(title="probe", version="0", routes=probe.routes)
    schemas = document.get("components", {}).get("schemas", {})
    parameters = document["paths"]["/probe"]["get"]["parameters"]
    return {"parameters": [_resolved(parameter, schemas) for parameter in parameters]}


def _resolved(schema: Any, schemas: dict[str, Any]) -> Any:
    if isinstance(schema, list):
        return [_resolved(item, schemas) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _resolved(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    return {key: _resolved(value, schemas) for key, value in schema.items()}
