"""The FastAPI application, built by ``create_app``: uvicorn calls it as a factory, nothing runs on import."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from entrypoints.container import Container, build_container, running
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.middleware import CorsMiddleware, EdgeMiddleware
from entrypoints.http.openapi import document_security
from entrypoints.http.routes import articles, comments, health, notifications, profiles, users
from entrypoints.logs import configure_logging


@asynccontextmanager
async def _lifespan(container: Container) -> AsyncIterator[None]:
    async with running(container):
        # Everything alive now (modules, schemas, routes) lives as long as the process. Freezing it keeps
        # the collector from walking it on every full collection: unfrozen, those walks paused the event
        # loop for ~80 ms several times a second under load (the p99 of every read).
        gc.collect()
        gc.freeze()
        yield


# A request tries the routes in order until one matches, and each route tried costs a regex and FastAPI's
# checks. The reads behind every page come first, in this order (the feed before the slug it would match);
# the other routes follow in their routers' order.
_READS_FIRST = (
    "/api/articles",
    "/api/articles/feed",
    "/api/articles/{slug}",
    "/api/articles/{slug}/comments",
    "/api/tags",
    "/api/profiles/{username}",
    "/api/user",
)


def _reads_first(app: FastAPI) -> None:
    rank = {path: position for position, path in enumerate(_READS_FIRST)}

    def position(route: object) -> int:
        if "GET" not in (getattr(route, "methods", None) or ()):
            return len(rank)
        return rank.get(getattr(route, "path", ""), len(rank))

    app.router.routes.sort(key=position)


def _docs_last(app: FastAPI) -> None:
    """The documentation routes (added first, by the app's constructor) move behind the API's."""
    docs = {app.openapi_url, app.swagger_ui_oauth2_redirect_url, "/docs", "/redoc", "/static-offline-docs"}
    app.router.routes.sort(key=lambda route: getattr(route, "path", None) in docs)


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build_container()
    settings = container.settings()
    otel = settings.opentelemetry
    configure_logging(settings.log_level, settings.log_format)

    # Swagger UI and ReDoc assets come from the fastapi-offline package: /docs works without internet.
    app: FastAPI = FastAPIOffline(
        title="Conduit",
        summary="The RealWorld blogging API",
        version="1.1.0",
        lifespan=lambda _: _lifespan(container),
        # FastAPI's native OpenTelemetry asks, on every request, whether providers are configured (~9 us);
        # it stays off unless CONDUIT_OPENTELEMETRY is set (then configure providers as OpenTelemetry says).
        telemetry={"tracing": otel, "metrics": otel, "logs": otel, "operation_spans": otel},
    )
    app.state.container = container
    install_error_handlers(app)

    # Routes join the app directly instead of through include_router(), whose nested routers match every
    # request twice.
    routers = [module.router for module in (comments, articles, profiles, users, notifications, health)]
    for router in routers:
        app.router.routes.extend(router.routes)
    _reads_first(app)
    document_security(app)
    _docs_last(app)

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
