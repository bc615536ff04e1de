"""The benchmark's requests as Python values: what each wrk Lua script (tools/bench/lua/) sends, one by one.

`python3 dev.py bench --instructions` replays them in-process, straight into the ASGI application, so the
same scenario definitions (`bench.scenarios`) drive both measurements.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count

from tools.bench.scenarios import Scenario


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: str
    token: str | None
    body: bytes


def requests(scenario: Scenario) -> Iterator[Request]:
    """An endless stream of the scenario's requests, as wrk's first thread would send them."""
    options = dict(arg.split("=", 1) for arg in scenario.args)
    replays: dict[str, Callable[[dict[str, str]], Iterator[Request]]] = {
        "fixed.lua": _fixed,
        "publish.lua": _publish,
        "favorite.lua": _favorite,
    }
    return replays[scenario.script.name](options)


def _fixed(options: dict[str, str]) -> Iterator[Request]:
    path, _, query = options["path"].partition("?")
    body = options.get("body", "").encode()
    request = Request(options["method"], path, query, options.get("token"), body)
    while True:
        yield request


def _publish(options: dict[str, str]) -> Iterator[Request]:
    tokens, run, tag = options["tokens"].split(","), options["run"], options["tag"]
    for sent in count(1):
        article = {
            "title": f"Benchmark {run} thread 1 article {sent}",
            "description": "Written by the load benchmark",
            "body": "A short body.\n\nIn two paragraphs.",
            "tagList": [tag, "benchmark"],
        }
        body = json.dumps({"article": article}, separators=(",", ":")).encode()  # as publish.lua writes it
        yield Request("POST", "/api/articles", "", tokens[sent % len(tokens)], body)


def _favorite(options: dict[str, str]) -> Iterator[Request]:
    tokens, lag = options["tokens"].split(","), int(options["lag"])
    paths = [f"/api/articles/{slug}/favorite" for slug in options["slugs"].split(",")]
    # Each pair of users and articles is favorited, then unfavorited `lag` pairs later.
    for sent in count():
        favoriting = sent % 2 == 0
        pair = sent // 2 - (0 if favoriting else lag)
        method = "POST" if favoriting else "DELETE"
        yield Request(method, paths[pair % len(paths)], "", tokens[pair % len(tokens)], b"")
