"""Use cases for routes, from the app's container (``app.state.container``).

A plain async dependency: FastAPI awaits it on the event loop (a sync one would cost a thread hop per
request), and nothing is patched globally, so several apps can live in one process (the tests).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Depends, Request

from entrypoints.container import Container

T = TypeVar("T")


def provided(pick: Callable[[Container], Callable[[], T]]) -> Any:
    async def dependency(request: Request) -> T:
        return pick(request.app.state.container)()

    return Depends(dependency)
