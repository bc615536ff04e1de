"""The FastAPI application, built by ``create_app``: uvicorn calls it as a factory, nothing runs on import."""

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from entrypoints.container import Container, build_container, running
from entrypoints.http.docs import add_documentation
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.middleware import CorsMiddleware, EdgeMiddleware
from entrypoints.http.openapi import document_api
from entrypoints.http.read_your_writes import ReadYourWritesMiddleware
from entrypoints.http.routes import (
    articles,
    comments,
    health,
    notification_stream,
    notifications,
    profiles,
    users,
)
from entrypoints.http.shutdown_notice import PROCESS_SHUTDOWN
from entrypoints.logs import configure_logging
from entrypoints.metrics.edge import HttpMetrics
from entrypoints.metrics.sampling import PoolMetrics, ReplicaMetrics, sample_every_second


@asynccontextmanager
async def _lifespan(container: Container, metrics: HttpMetrics | None) -> AsyncIterator[None]:
    async with running(container):
        sampling = None
        if metrics is not None:
            samplers: list[Callable[[], None]] = [metrics.sample]
            pool = container.pool()
            if pool is not None:
                pool_metrics = PoolMetrics(metrics.registry)
                samplers.append(lambda: pool_metrics.sample(pool))
            replicas = container.replicas()
            if replicas is not None:
                replica_metrics = ReplicaMetrics(metrics.registry)
                samplers.append(lambda: replica_metrics.sample(replicas.states()))
                samplers.append(
                    lambda: replica_metrics.sample_pools((r.name, r.pool) for r in replicas.replicas)
                )
            sampling = asyncio.get_running_loop().create_task(sample_every_second(samplers))
        # Everything alive now (modules, schemas, routes) lives as long as the process. Freezing it keeps
        # the collector from walking it on every full collection, each walk a pause of the event loop
        # that every request in flight waits out.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if sampling is not None:
                sampling.cancel()
                with suppress(asyncio.CancelledError):
                    await sampling
            if metrics is not None:
                metrics.sample()  # the last second's requests


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build_container()
    settings = container.settings()
    otel = settings.opentelemetry
    configure_logging(settings.log_level, settings.log_format)
    # Under conduit serve these land in the process's multiprocess file, whatever the registry; the
    # registry is the app's own, so several apps in one process (the tests) never collide.
    metrics = HttpMetrics(CollectorRegistry()) if settings.metrics_port else None

    app = FastAPI(
        title="Conduit",
        summary="The RealWorld blogging API",
        version="1.1.0",
        # Served by add_documentation(), after the API's routes.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lambda _: _lifespan(container, metrics),
        # FastAPI's native OpenTelemetry asks, on every request, whether providers are configured; it stays
        # off unless CONDUIT_OPENTELEMETRY is set (then configure providers as OpenTelemetry says).
        telemetry={"tracing": otel, "metrics": otel, "logs": otel, "operation_spans": otel},
    )
    app.state.container = container
    app.state.metrics = metrics
    app.state.shutdown = PROCESS_SHUTDOWN  # what open streams end on
    install_error_handlers(app)

    # A request tries the routes in order, and each one it tries costs it: the reads behind every page
    # first, then the writes, then the rest.
    pages = (articles, comments, profiles, users)
    for methods in (["GET"], ["POST", "PUT", "DELETE"]):
        for module in pages:
            module.routes.add_to(app, methods=methods)
    for module in (notifications, notification_stream, health):
        module.routes.add_to(app)
    document_api(app)
    add_documentation(app)

    recent_writes = container.recent_writes()
    if recent_writes is not None:
        app.add_middleware(ReadYourWritesMiddleware, writes=recent_writes)
    app.add_middleware(
        CorsMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
    )
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=settings.max_body_bytes,
        log_requests=settings.access_log,
        metrics=metrics,
    )
    return app
