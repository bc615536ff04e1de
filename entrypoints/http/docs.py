"""The API's own documentation: the OpenAPI document, Swagger UI at /docs and ReDoc at /redoc.

FastAPI's recipe for self-hosted docs (its own docs and redoc turned off, the pages built by
``get_swagger_ui_html`` and ``get_redoc_html``), with the assets the fastapi-offline package ships, so
no page Conduit serves loads anything from off the machine. The routes join the app after the API's, so
a request to the API never tries them first.

Workaround: ReDoc's bundle shows its footer's logo from a CDN, whatever the options, so the bundle is
served with that address replaced by an empty inline image. Delete ``_redoc_bundle`` when the bundle
stops naming the CDN: tests/unit/test_docs.py pins that it does, and tests/e2e/test_docs_offline.py
watches a real browser for any request off the machine.
"""

from functools import cache
from importlib.resources import files

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

OPENAPI_URL = "/openapi.json"
ASSETS_URL = "/docs-assets"
SWAGGER_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS = files("fastapi_offline") / "static"
REDOC_BUNDLE = "redoc.standalone.js"
REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E"


def add_documentation(app: FastAPI) -> None:
    """Serve the app's OpenAPI document and the pages that render it (built with ``openapi_url=None``,
    ``docs_url=None`` and ``redoc_url=None``)."""

    @app.get(OPENAPI_URL, include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=SWAGGER_REDIRECT_URL,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        )

    @app.get(SWAGGER_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    @app.get(f"{ASSETS_URL}/{REDOC_BUNDLE}", include_in_schema=False)
    async def redoc_bundle() -> Response:
        return Response(_redoc_bundle(), media_type="text/javascript")

    app.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS)), name="docs-assets")


@cache
def _redoc_bundle() -> bytes:
    return (ASSETS / REDOC_BUNDLE).read_bytes().replace(REDOC_CDN_LOGO.encode(), EMPTY_IMAGE.encode())
