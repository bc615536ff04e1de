"""`conduit seed`: a reproducible, realistic data set, loaded in bulk."""

import time
from typing import Annotated

import typer

from application.seeding import SEEDED_PASSWORD, SeedPlan, SeedSummary
from entrypoints.cli.common import expected_failures, load_settings, run_with_container
from entrypoints.container import Container


def seed(
    users: Annotated[int, typer.Option(min=2, help="Users to create")] = 200,
    articles: Annotated[int, typer.Option(min=0, help="Articles to create")] = 2_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 1,
    follows_per_user: Annotated[int, typer.Option(min=0, help="Authors each user follows")] = 20,
    favorites_per_article: Annotated[
        float, typer.Option(min=0, help="Favorites per article, on average")
    ] = 2.0,
    commented_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share of articles with comments")
    ] = 0.25,
) -> None:
    """Fill an empty database with users, articles, tags, follows, favorites and comments.

    Popularity is skewed (Zipf): a few tags, authors and articles get most of the attention. Every user's
    password is "password".
    """
    with expected_failures():
        plan = SeedPlan(users, articles, seed, follows_per_user, favorites_per_article, commented_share)
    started = time.monotonic()

    async def work(container: Container) -> SeedSummary:
        seed_database = container.seed_database()
        return await seed_database(plan)

    done = run_with_container(load_settings(), work)
    typer.echo(
        f"seeded {done.users} users, {done.articles} articles, {done.follows} follows, "
        f"{done.favorites} favorites, {done.comments} comments in {time.monotonic() - started:.1f} s "
        f"(password: {SEEDED_PASSWORD!r})"
    )
