"""`conduit users`: administer accounts through the same use cases as the API."""

from typing import Annotated

import typer

from domain.pagination import MAX_LIMIT, Page
from entrypoints.cli.common import load_settings, run_with_container
from entrypoints.container import Container

app = typer.Typer(help="Create, list and manage user accounts.")

Password = Annotated[
    str | None,
    typer.Option(help="The password; prompted for (without echo) when not given", show_default=False),
]


def _password(given: str | None) -> str:
    if given is not None:
        return given
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@app.command()
def create(
    username: Annotated[str, typer.Argument(help="Unique username")],
    email: Annotated[str, typer.Argument(help="Unique email address")],
    password: Password = None,
) -> None:
    """Register a user."""
    secret = _password(password)

    async def work(container: Container) -> str:
        register = container.register_user()
        return (await register(username, email, secret)).user.username

    created = run_with_container(load_settings(), work)
    typer.echo(f"created user {created}")


@app.command("list")
def list_users(
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT)] = MAX_LIMIT,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List users by username."""

    async def work(container: Container) -> None:
        everyone = container.list_users()
        for user in await everyone(Page(limit, offset)):
            typer.echo(f"{user.username}\t{user.email}")

    run_with_container(load_settings(), work)


@app.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="Whose password to set")],
    password: Password = None,
) -> None:
    """Set a user's password."""
    secret = _password(password)

    async def work(container: Container) -> None:
        reset = container.reset_password()
        await reset(username, secret)

    run_with_container(load_settings(), work)
    typer.echo(f"password of {username} changed")


@app.command("revoke-tokens")
def revoke_tokens(username: Annotated[str, typer.Argument(help="Whose tokens to revoke")]) -> None:
    """Revoke every token of a user: they must log in again, on every device."""

    async def work(container: Container) -> None:
        revoke = container.revoke_tokens()
        await revoke(username)

    run_with_container(load_settings(), work)
    typer.echo(f"tokens of {username} revoked")
