"""The benchmark's pure parts: its scenarios, the wrk scripts and the in-process replay sending the same
requests, the wrk report line and its parser agreeing, and the reports it writes.

The wrk scripts run here in LuaJIT (the Lua wrk embeds), from the lupa package, with wrk's own functions
stood in for."""

import json
from pathlib import Path
from typing import Any

import pytest
from lupa.luajit21 import LuaRuntime

from tools.bench import replay, report, wrk
from tools.bench.fixtures import Fixtures
from tools.bench.instructions import Counted, _comparable, _markdown
from tools.bench.measure import Measured, Run
from tools.bench.options import parse
from tools.bench.scenarios import (
    ALL_SCENARIOS,
    CEILING,
    INTERFERENCE,
    LABELS,
    Scenario,
    Tokens,
    ceiling,
    conduit_scenarios,
)

FIXTURES = Fixtures(
    popular_tag="python",
    article_slug="how-to-train-a-dragon",
    prolific_author="ada.lovelace3",
    top_favoriter="grace.hopper7",
    followed_username="alan.turing1",
    reader_email="ada.lovelace3@example.com",
    writer_emails=("a@example.com", "b@example.com", "c@example.com"),
    favorite_slugs=("one", "two", "three", "four", "five"),
)
TOKENS = Tokens(reader="reader-token", writers=("w1", "w2", "w3"))

# wrk's globals as a script sees them in one thread: wrk.format() builds a request from its arguments,
# falling back on wrk.method, wrk.path, wrk.headers and wrk.body, as wrk does.
WRK = """
thread_id = 1
wrk = { method = "GET", path = "/", headers = {}, body = nil }
function wrk.format(method, path, headers, body)
  return { method = method or wrk.method, path = path or wrk.path, headers = headers or wrk.headers,
           body = body or wrk.body }
end
"""


def scenarios() -> dict[str, Scenario]:
    found = conduit_scenarios(FIXTURES, TOKENS, run_id="run1")
    found[CEILING] = ceiling()
    return found


def wrk_requests(scenario: Scenario, count: int) -> list[replay.Request]:
    lua = LuaRuntime()
    lua.execute(WRK)
    lua.execute(f"dofile({json.dumps(str(scenario.script))})")
    lua.globals().init(lua.table_from(list(scenario.args)))
    request = lua.globals().request
    sent = []
    for _ in range(count):
        made = request() if request is not None else lua.eval("wrk.format()")
        path, _, query = made.path.partition("?")
        authorization = made.headers["Authorization"]
        token = None if authorization is None else authorization.removeprefix("Token ")
        sent.append(replay.Request(made.method, path, query, token, (made.body or "").encode()))
    return sent


@pytest.mark.parametrize("name", [name for name in ALL_SCENARIOS if name != INTERFERENCE])
def test_the_wrk_script_and_the_replay_send_the_same_requests(name: str) -> None:
    scenario = scenarios()[name]
    replayed = replay.requests(scenario)
    expected = [next(replayed) for _ in range(40)]
    assert wrk_requests(scenario, 40) == expected
    if name == "favorite":  # favorites and unfavorites alternate, each undone `lag` pairs later
        assert [r.method for r in expected[:4]] == ["POST", "DELETE", "POST", "DELETE"]
    if name == "publish":  # every title new
        assert len({json.loads(r.body)["article"]["title"] for r in expected}) == 40


def test_every_scenario_is_defined_and_labelled() -> None:
    defined = scenarios()
    assert set(defined) | {INTERFERENCE} == set(ALL_SCENARIOS) == set(LABELS)
    for scenario in defined.values():
        assert scenario.script.exists()
        assert all("=" in arg for arg in scenario.args)


def test_the_report_line_of_the_wrk_scripts_parses_into_a_result() -> None:
    lua = LuaRuntime()
    lua.execute(WRK)
    lua.execute(f"report = dofile({json.dumps(str(wrk_script('report.lua')))})")
    lua.execute(
        """
        written = {}
        io.write = function(text) table.insert(written, text) end
        thread = { get = function(self, name) return { [200] = 90, [503] = 10 } end,
                   set = function(self, name, value) end }
        report.setup(thread)
        summary = { requests = 100, duration = 2000000, bytes = 4096,
                    errors = { connect = 1, read = 0, write = 0, status = 10, timeout = 2 } }
        latency = { max = 9000, mean = 1500.5,
                    percentile = function(self, p) return ({ [50] = 1000, [90] = 2000, [99] = 5000 })[p] end }
        report.done(summary, latency)
        """
    )
    line = lua.eval("written[1]")
    result = wrk.parse(0, line, "", scenarios()["list"], cpu=0.5)
    assert (result.requests, result.requests_per_second, result.non2xx, result.errors) == (100, 50.0, 10, 13)
    assert (result.p50_ms, result.p90_ms, result.p99_ms, result.max_ms) == (1.0, 2.0, 5.0, 9.0)
    assert result.statuses == {"200": 90, "503": 10}


def wrk_script(name: str) -> Path:
    return scenarios()["list"].script.with_name(name)


def run_of(requests: int, p99_ms: float) -> Run:
    result = wrk.WrkResult(
        requests,
        10.0,
        1000,
        dict.fromkeys(("connect", "read", "write", "timeout"), 0),
        0,
        {},
        1.0,
        2.0,
        p99_ms,
        9.0,
        1.0,
    )
    return Run(result, server_cpu_seconds=requests * 0.0002, database_cpu_seconds=None, cores_busy=1.5)


def test_the_load_report_gives_each_scenario_as_a_share_of_the_ceiling() -> None:
    defined = scenarios()
    measured = {
        CEILING: Measured(defined[CEILING], (run_of(100_000, 4.0),)),
        "list": Measured(defined["list"], (run_of(25_000, 9.0), run_of(24_000, 8.0), run_of(26_000, 7.0))),
    }
    outcome = report.Outcome(
        started="2026-12-01 10:00:00 UTC",
        finished="2026-12-01 10:05:00 UTC",
        options=parse([]),
        machine={"cpus": 2, "cpu": "test CPU", "load_average": [0.5, 0.4, 0.3]},
        git={"commit": "0123456789abcdef", "dirty": False},
        settings={},
        seeded="seeded 200 users, 2000 articles",
        fixtures=FIXTURES,
        measured=measured,
        ceiling_first_and_last=(10_000.0, 10_000.0),
        interference=None,
        login_cpu_ms=None,
        peak_rss_mb={"conduit": {1: 120.0}},
    )
    text = report.markdown(outcome)
    list_row = next(line for line in text.splitlines() if line.startswith("| list"))
    assert "| 2,500 | 25.0% |" in list_row
    assert "0123456789ab" in text
    assert report.document(outcome)["scenarios"]["list"]["median"]["share_of_ceiling"] == 0.25


def previous_run(**changes: Any) -> dict[str, Any]:
    return {
        "started": "earlier",
        "git": {"commit": "abc", "dirty": False},
        "size": "default",
        "requests_per_scenario": 500,
        "warmup_requests": 1000,
        "concurrency": 32,
        "scenarios": {
            "ceiling": {"instructions_per_request": 100.0},
            "list": {"instructions_per_request": 500.0},
        },
    } | changes


def test_the_instruction_report_shows_the_change_since_a_comparable_run() -> None:
    counted = [Counted(CEILING, 10, 1000, 1.0), Counted("list", 10, 5500, 1.0)]
    current = previous_run(started="now", seeded="seeded", scenarios={"ceiling": {}, "list": {}})
    assert _comparable(previous_run(), current)
    assert not _comparable(previous_run(requests_per_scenario=100), current)
    assert not _comparable(previous_run(scenarios={"list": {}, "ceiling": {}}), current)
    table = _markdown(counted, current, parse(["--instructions"]), previous_run())
    assert "| list | 550 | 5.5 | +10.0% |" in table
