"""The requests the benchmark drives, each a wrk Lua script (bench/lua/) with its arguments."""

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.fixtures import Fixtures

LUA = Path(__file__).resolve().parent / "lua"
PASSWORD = "password"  # noqa: S105 (every seeded user's, see `conduit seed`)

CEILING = "ceiling"
INTERFERENCE = "interference"
# In running order: reads first, so they see the seeded data as it is; writes last.
ALL_SCENARIOS = (
    CEILING,
    "list",
    "tag",
    "author",
    "favorited",
    "article",
    "comments",
    "feed",
    "tags",
    "profile",
    "login",
    INTERFERENCE,
    "publish",
    "favorite",
)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    label: str  # what the table shows
    script: Path
    args: tuple[str, ...]  # key=value words for the script's init()


@dataclass(frozen=True, slots=True)
class Tokens:
    reader: str  # Fixtures.reader_email's
    writers: tuple[str, ...]  # Fixtures.writer_emails'


def ceiling() -> Scenario:
    return _fixed(CEILING, "GET /ping (bare FastAPI)", "/ping")


def conduit_scenarios(fixtures: Fixtures, tokens: Tokens, run_id: str) -> dict[str, Scenario]:
    """Every Conduit scenario by short name (the interference one reuses `article` and `login`)."""
    slug = quote(fixtures.article_slug)
    login_body = json.dumps({"user": {"email": fixtures.reader_email, "password": PASSWORD}})
    writers = ",".join(tokens.writers)
    scenarios = [
        _fixed("list", "GET /api/articles?limit=20", _articles()),
        _fixed("tag", "GET /api/articles?tag=…", _articles(tag=fixtures.popular_tag)),
        _fixed("author", "GET /api/articles?author=…", _articles(author=fixtures.prolific_author)),
        _fixed("favorited", "GET /api/articles?favorited=…", _articles(favorited=fixtures.top_favoriter)),
        _fixed("article", "GET /api/articles/{slug}", f"/api/articles/{slug}"),
        _fixed("comments", "GET /api/articles/{slug}/comments", f"/api/articles/{slug}/comments"),
        _fixed("feed", "GET /api/articles/feed (auth)", "/api/articles/feed", token=tokens.reader),
        _fixed("tags", "GET /api/tags", "/api/tags"),
        _fixed(
            "profile",
            "GET /api/profiles/{username} (auth)",
            f"/api/profiles/{quote(fixtures.followed_username)}",
            token=tokens.reader,
        ),
        _fixed("login", "POST /api/users/login", "/api/users/login", method="POST", body=login_body),
        Scenario(
            "publish",
            "POST /api/articles (auth)",
            LUA / "publish.lua",
            (f"tokens={writers}", f"run={run_id}", f"tag={fixtures.popular_tag}"),
        ),
        Scenario(
            "favorite",
            "POST+DELETE /api/articles/{slug}/favorite (auth)",
            LUA / "favorite.lua",
            (f"tokens={writers}", f"slugs={','.join(quote(s) for s in fixtures.favorite_slugs)}"),
        ),
    ]
    return {scenario.name: scenario for scenario in scenarios}


def _articles(**where: str) -> str:
    return "/api/articles?" + urlencode({"limit": 20, **where})


def _fixed(
    name: str, label: str, path: str, *, method: str = "GET", token: str | None = None, body: str | None = None
) -> Scenario:
    args = [f"method={method}", f"path={path}"]
    args += [f"token={token}"] if token else []
    args += [f"body={body}"] if body else []
    return Scenario(name, label, LUA / "fixed.lua", tuple(args))
