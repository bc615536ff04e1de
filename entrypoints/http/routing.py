"""Workaround: routes are declared beside their handlers and join the app directly, not through
``include_router``.

Delete when FastAPI's ``include_router`` adds a router's routes to the app again instead of nesting the
router in it. FastAPI 0.165 nests it, and every request then goes through the nested router's own
matching as well (docs/performance.md has what that cost).
tests/unit/test_routing.py fails once ``include_router`` flattens.

A module's ``Routes`` records what its decorators declare, in order; ``add_to`` adds them to the app
with FastAPI's ``add_api_route``. A request tries the app's routes in the order they were added, and
each one tried costs it a regular expression and FastAPI's checks, so the order is chosen (``create_app``).
"""

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from fastapi import FastAPI

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


class Routes:
    def __init__(self, prefix: str = "", tags: list[str] | None = None) -> None:
        self._prefix, self._tags = prefix, tags or []
        self._declared: list[tuple[str, str, Callable[..., Any], dict[str, Any]]] = []

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._route("GET", path, options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._route("POST", path, options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._route("PUT", path, options)

    def delete(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._route("DELETE", path, options)

    def add_to(self, app: FastAPI, *, methods: Collection[str] = ("GET", "POST", "PUT", "DELETE")) -> None:
        """Add the routes of these ``methods`` to ``app``, in the order they were declared."""
        for method, path, endpoint, options in self._declared:
            if method in methods:
                declared = {"tags": self._tags, **options}
                app.add_api_route(self._prefix + path, endpoint, methods=[method], **declared)

    def _route(self, method: str, path: str, options: dict[str, Any]) -> Callable[[Endpoint], Endpoint]:
        def declare(endpoint: Endpoint) -> Endpoint:
            self._declared.append((method, path, endpoint, options))
            return endpoint

        return declare
