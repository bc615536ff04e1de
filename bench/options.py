"""What a benchmark run is asked to do: the command line, parsed into one immutable value."""

import argparse
from dataclasses import dataclass

from bench.scenarios import ALL_SCENARIOS, CEILING


@dataclass(frozen=True, slots=True)
class Size:
    users: int
    articles: int


# `conduit seed` derives follows, favorites and comments from these (20 per user, 2 per article, 1-4 on a
# quarter of the articles), so "large" keeps the default's proportions apart from users per article.
SIZES = {"default": Size(users=200, articles=2_000), "large": Size(users=1_000, articles=100_000)}


@dataclass(frozen=True, slots=True)
class Options:
    size_name: str
    workers: int
    connections: int
    threads: int
    warmup: float
    duration: float
    repeat: int
    timeout: float
    login_connections: int
    scenarios: tuple[str, ...]
    database_url: str | None
    port: int
    keep_data: bool

    @property
    def size(self) -> Size:
        return SIZES[self.size_name]


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py bench",
        description=(
            "Load-test Conduit with wrk on freshly seeded data: every scenario's requests/s (also as a share "
            "of a bare FastAPI route's, the ceiling), p50/p99 latency, errors, server CPU per request and "
            "peak memory. Results go to bench/results/<timestamp>.{md,json} and bench/results/latest.*."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help=_size_help())
    parser.add_argument("--workers", type=_positive_int, default=1, help="server worker processes")
    parser.add_argument("-c", "--connections", type=_positive_int, default=32, help="wrk connections")
    parser.add_argument("-t", "--threads", type=_positive_int, default=1, help="wrk threads")
    parser.add_argument("--warmup", type=_positive_float, default=3.0, help="seconds of discarded load first")
    parser.add_argument("--duration", type=_positive_float, default=10.0, help="seconds per measured run")
    parser.add_argument("--repeat", type=_positive_int, default=3, help="measured runs; the median counts")
    parser.add_argument(
        "--timeout", type=_positive_float, default=10.0, help="seconds before wrk counts a request as failed"
    )
    parser.add_argument(
        "--login-connections",
        type=_positive_int,
        default=8,
        help="connections of the concurrent login load in the interference scenario",
    )
    parser.add_argument(
        "--scenarios",
        type=_scenario_list,
        default=ALL_SCENARIOS,
        help=f"comma-separated subset of: {','.join(ALL_SCENARIOS)} (the ceiling always runs)",
    )
    parser.add_argument(
        "--database-url",
        help="use this (empty) PostgreSQL database instead of a fresh embedded server; it gets migrated and "
        "seeded",
    )
    parser.add_argument("--port", type=int, default=0, help="port for the servers (0: any free port)")
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the seeded data folder after the run (for inspection)"
    )
    args = parser.parse_args(argv)
    if args.threads > args.connections:
        parser.error("--threads must not exceed --connections (wrk gives each thread connections/threads)")
    return Options(
        size_name=args.size,
        workers=args.workers,
        connections=args.connections,
        threads=args.threads,
        warmup=args.warmup,
        duration=args.duration,
        repeat=args.repeat,
        timeout=args.timeout,
        login_connections=args.login_connections,
        scenarios=args.scenarios,
        database_url=args.database_url,
        port=args.port,
        keep_data=args.keep_data,
    )


def _size_help() -> str:
    return "data set: " + "; ".join(
        f"{n}: {s.users:,} users, {s.articles:,} articles" for n, s in SIZES.items()
    )


def _scenario_list(text: str) -> tuple[str, ...]:
    wanted = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in ALL_SCENARIOS]
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(f"unknown scenario {', '.join(unknown)}; pick from {ALL_SCENARIOS}")
    # The ceiling always runs first: every other number is a share of it.
    return (CEILING, *(name for name in ALL_SCENARIOS if name in wanted and name != CEILING))


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value
