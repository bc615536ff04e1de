"""The requests the benchmark drives, each a wrk Lua script (tools/bench/lua/) with its arguments."""

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from tools.bench.fixtures import Fixtures

LUA = Path(__file__).resolve().parent / "lua"
PASSWORD = "password"  # noqa: S105 (every seeded user's, see `conduit seed`)

CEILING = "ceiling"
INTERFERENCE = "interference"
# Every scenario by short name, in running order: reads first, so they see the seeded data as it is;
# writes last.
LABELS = {
    CEILING: "GET /ping (bare FastAPI, the yardstick)",
    "list": "GET /api/articles?limit=20",
    "tag": "GET /api/articles?limit=20&tag={most used tag}",
    "author": "GET /api/articles?limit=20&author={most prolific author}",
    "favorited": "GET /api/articles?limit=20&favorited={user with most favorites}",
    "article": "GET /api/articles/{most commented slug}",
    "comments": "GET /api/articles/{most commented slug}/comments",
    "feed": "GET /api/articles/feed (auth: the reader following the most authors)",
    "tags": "GET /api/tags",
    "profile": "GET /api/profiles/{most followed user} (auth)",
    "login": "POST /api/users/login",
    INTERFERENCE: "article's p99 alone, then beside a flat-out login load",
    "publish": "POST /api/articles (auth, a unique title each)",
    "favorite": "POST then DELETE /api/articles/{slug}/favorite (auth)",
}
ALL_SCENARIOS = tuple(LABELS)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    script: Path
    args: tuple[str, ...]  # key=value words for the script's init()

    @property
    def label(self) -> str:
        return LABELS[self.name]


@dataclass(frozen=True, slots=True)
class Tokens:
    reader: str  # Fixtures.reader_email's
    writers: tuple[str, ...]  # Fixtures.writer_emails'


def ceiling() -> Scenario:
    return _fixed(CEILING, "/ping")


def conduit_scenarios(fixtures: Fixtures, tokens: Tokens, run_id: str) -> dict[str, Scenario]:
    """Every Conduit scenario by short name (the interference one reuses `article` and `login`)."""
    slug = quote(fixtures.article_slug)
    login_body = json.dumps({"user": {"email": fixtures.reader_email, "password": PASSWORD}})
    writers = ",".join(tokens.writers)
    scenarios = [
        _fixed("list", _articles()),
        _fixed("tag", _articles(tag=fixtures.popular_tag)),
        _fixed("author", _articles(author=fixtures.prolific_author)),
        _fixed("favorited", _articles(favorited=fixtures.top_favoriter)),
        _fixed("article", f"/api/articles/{slug}"),
        _fixed("comments", f"/api/articles/{slug}/comments"),
        _fixed("feed", "/api/articles/feed", token=tokens.reader),
        _fixed("tags", "/api/tags"),
        _fixed(
            "profile",
            f"/api/profiles/{quote(fixtures.followed_username)}",
            token=tokens.reader,
        ),
        _fixed("login", "/api/users/login", method="POST", body=login_body),
        Scenario(
            "publish",
            LUA / "publish.lua",
            (f"tokens={writers}", f"run={run_id}", f"tag={fixtures.popular_tag}"),
        ),
        Scenario(
            "favorite",
            LUA / "favorite.lua",
            (
                f"tokens={writers}",
                f"slugs={','.join(quote(s) for s in fixtures.favorite_slugs)}",
                f"lag={len(fixtures.favorite_slugs) // 2}",
            ),
        ),
    ]
    return {scenario.name: scenario for scenario in scenarios}


def _articles(**where: str) -> str:
    return "/api/articles?" + urlencode({"limit": 20, **where})


def _fixed(
    name: str,
    path: str,
    *,
    method: str = "GET",
    token: str | None = None,
    body: str | None = None,
) -> Scenario:
    args = [f"method={method}", f"path={path}"]
    args += [f"token={token}"] if token else []
    args += [f"body={body}"] if body else []
    return Scenario(name, LUA / "fixed.lua", tuple(args))
