"""What a benchmark run is asked to do: the command line, parsed into one immutable value."""

import argparse
from dataclasses import dataclass

from tools.bench.scenarios import ALL_SCENARIOS, CEILING, LABELS


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
    warmup: int
    duration: int
    repeat: int
    timeout: int
    login_connections: int
    scenarios: tuple[str, ...]
    database_url: str | None
    port: int
    keep_data: bool
    instructions: bool
    requests: int
    broker: bool = False

    @property
    def size(self) -> Size:
        return SIZES[self.size_name]


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option, and the scenario list kept as written."""


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py bench",
        description=(
            "Load-test Conduit with wrk on freshly seeded data: each scenario's requests/s (also as a\n"
            "share of a bare FastAPI route's, the ceiling), p50/p99 latency, errors, server (and database)\n"
            "CPU per request, peak memory. Results: tools/bench/results/<timestamp>.{md,json} and\n"
            "latest.{md,json}"
        ),
        epilog="scenarios, in running order:\n"
        + "\n".join(f"  {name:<13} {label}" for name, label in LABELS.items()),
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help=_size_help())
    parser.add_argument(
        "--workers", type=_positive_int, default=1, metavar="N", help="server worker processes"
    )
    parser.add_argument(
        "-c", "--connections", type=_positive_int, default=32, metavar="N", help="wrk connections"
    )
    parser.add_argument("-t", "--threads", type=_positive_int, default=1, metavar="N", help="wrk threads")
    parser.add_argument(
        "--warmup",
        type=_non_negative_int,
        default=3,
        metavar="SECONDS",
        help="discarded load before each scenario",
    )
    parser.add_argument(
        "--duration", type=_positive_int, default=10, metavar="SECONDS", help="length of each measured run"
    )
    parser.add_argument(
        "--repeat", type=_positive_int, default=3, metavar="N", help="measured runs; the table shows medians"
    )
    parser.add_argument(
        "--timeout",
        type=_positive_int,
        default=10,
        metavar="SECONDS",
        help="a request slower than this counts as an error",
    )
    parser.add_argument(
        "--login-connections",
        type=_positive_int,
        default=8,
        metavar="N",
        help="connections of the login load beside the article reads (interference scenario)",
    )
    parser.add_argument(
        "--scenarios",
        type=_scenario_list,
        default="all",
        metavar="A,B,...",
        help="the scenarios to run (below); the ceiling always runs, it is the yardstick",
    )
    parser.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="migrate, seed and use this empty PostgreSQL database instead of a fresh embedded server",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port of `conduit serve` (0: any free one; the ceiling's is free)"
    )
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the seeded data folder afterwards, for inspection"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="instead of the load: count the CPU instructions the application executes per request, "
        "in-process under valgrind's callgrind (deterministic, for comparing two versions of the code); "
        "-c sets the requests in flight, the load options do not apply",
    )
    parser.add_argument(
        "--requests",
        type=_positive_int,
        default=500,
        metavar="N",
        help="with --instructions: requests counted per scenario, after 1,000 to warm up",
    )
    parser.add_argument(
        "--broker",
        action="store_true",
        help="instead of the load: the broker path (tools/bench/broker.py): relay and consumer "
        "throughput, event to notification latency through NATS JetStream, publishing with the relay "
        "beside it",
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
        database_url=getattr(args, "database_url", None),
        port=args.port,
        keep_data=args.keep_data,
        instructions=args.instructions,
        requests=args.requests,
        broker=args.broker,
    )


def _size_help() -> str:
    return "data set: " + "; ".join(
        f"{n}: {s.users:,} users, {s.articles:,} articles" for n, s in SIZES.items()
    )


def _scenario_list(text: str) -> tuple[str, ...]:
    if text == "all":
        return ALL_SCENARIOS
    wanted = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in ALL_SCENARIOS]
    if not wanted:
        raise argparse.ArgumentTypeError("name at least one scenario")
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; pick from {','.join(ALL_SCENARIOS)}")
    # The ceiling always runs first: every other number is a share of it.
    return (CEILING, *(name for name in ALL_SCENARIOS if name in wanted and name != CEILING))


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value
