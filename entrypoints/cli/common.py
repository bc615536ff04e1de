"""What every command shares: settings, the container's lifetime, and failing with one clear line."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from application.errors import (
    AlreadyExists,
    BrokerUnavailable,
    NotFound,
    StorageMisconfigured,
    StorageUnavailable,
)
from domain.errors import InvalidInput
from entrypoints.container import Container, running_container
from entrypoints.logs import configure_logging
from entrypoints.metrics import ListenerUnavailable
from entrypoints.settings import Settings

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@contextmanager
def expected_failures() -> Iterator[None]:
    """Failures an operator can fix (configuration, connectivity, bad input) become one line and exit 1."""
    try:
        yield
    except ValidationError as invalid:
        problems = "; ".join(_setting_problem(e) for e in invalid.errors())
        fail(f"invalid configuration: {problems}")
    except StorageUnavailable as error:
        fail(f"database unavailable: {_first_line(error.__cause__ or error)}")
    except BrokerUnavailable as error:
        fail(f"broker unavailable: {error}")
    except StorageMisconfigured as error:
        fail(f"database misconfigured: {error}")
    except SQLAlchemyError as error:  # from the migrations, which run through SQLAlchemy
        fail(f"database unavailable: {_first_line(error)}")
    except InvalidInput as invalid:
        fail(
            "; ".join(
                f"{field} {message}" for field, messages in invalid.problems.items() for message in messages
            )
        )
    except AlreadyExists as taken:
        fail(f"{taken.field} has already been taken")
    except NotFound as missing:
        fail(str(missing))
    except ListenerUnavailable as taken:
        fail(str(taken))


def load_settings() -> Settings:
    with expected_failures():
        settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def run_with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    async def main() -> T:
        async with running_container(settings) as container:
            return await work(container)

    with expected_failures():
        return asyncio.run(main())


def _setting_problem(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"CONDUIT_{location.upper()}: {message}" if location else message


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
