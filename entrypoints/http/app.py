"""The FastAPI application, built by ``create_app``: uvicorn calls it as a factory, nothing runs on import."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from entrypoints.container import Container, build_container, running
from entrypoints.http.docs import add_documentation
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.middleware import CorsMiddleware, EdgeMiddleware
from entrypoints.http.openapi import document_api
from entrypoints.http.routes import articles, comments, health, notifications, profiles, users
from entrypoints.logs import configure_logging


@asynccontextmanager
async def _lifespan(container: Container) -> AsyncIterator[None]:
    async with running(container):
        # Everything alive now (modules, schemas, routes) lives as long as the process. Freezing it keeps
        # the collector from walking it on every full collection, each walk a pause of the event loop
        # that every request in flight waits out.
        gc.collect()
        gc.freeze()
        yield


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build_container()
    settings = container.settings()
    otel = settings.opentelemetry
    configure_logging(settings.log_level, settings.log_format)

    app = FastAPI(
        title="Conduit",
        summary="The RealWorld blogging API",
        version="1.1.0",
        # Served by add_documentation(), after the API's routes.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lambda _: _lifespan(container),
        # FastAPI's native OpenTelemetry asks, on every request, whether providers are configured; it stays
        # off unless CONDUIT_OPENTELEMETRY is set (then configure providers as OpenTelemetry says).
        telemetry={"tracing": otel, "metrics": otel, "logs": otel, "operation_spans": otel},
    )
    app.state.container = container
    install_error_handlers(app)

    # A request tries the routes in order, and each one it tries costs it: the reads behind every page
    # first, then the writes, then the rest.
    pages = (articles, comments, profiles, users)
    for methods in (["GET"], ["POST", "PUT", "DELETE"]):
        for module in pages:
            module.routes.add_to(app, methods=methods)
    for module in (notifications, health):
        module.routes.add_to(app)
    document_api(app)
    add_documentation(app)

    app.add_middleware(
        CorsMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
    )
    app.add_middleware(
        EdgeMiddleware, max_body_bytes=settings.max_body_bytes, log_requests=settings.access_log
    )
    return app
