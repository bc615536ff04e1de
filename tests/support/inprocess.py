"""Conduit's HTTP app in the test's own process: the container with real Argon2id at its cheapest cost
(these tests are about behaviour), and a client over ASGI with the app's lifespan running."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from dependency_injector import providers
from fastapi import FastAPI

from adapters.security.passwords import Argon2PasswordHasher
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


def app_for(settings: Settings, *, memory: bool = False) -> tuple[Container, FastAPI]:
    container = build_container(settings, memory=memory)
    container.password_hasher.override(
        providers.Singleton(Argon2PasswordHasher, time_cost=1, memory_kib=64, parallelism=1)
    )
    return container, create_app(container)


@asynccontextmanager
async def running_app(
    app: FastAPI, *, base_url: str = "http://conduit/api", raise_app_exceptions: bool = True, **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` for the block, its lifespan (pool, listeners, sampling) running around it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=base_url, **options) as client,
    ):
        yield client
