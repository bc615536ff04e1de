"""The ceiling: the fastest a FastAPI route can answer on this machine, with this uvicorn and these workers.

One JSON route, no middleware, no database. Every Conduit scenario is reported as a share of its
requests/s, so a number means "how much of what the framework allows" rather than an absolute that
changes with the machine.

Run as a script, it serves the route the way `conduit serve` serves Conduit (`entrypoints.serving`: a
listening socket per worker), minus the application: no access log, no `Server` header, and the default
(auto) event loop and HTTP parser, which pick uvloop and httptools when installed.
"""

import argparse

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}


def main() -> None:
    from entrypoints import serving

    parser = argparse.ArgumentParser(description="Serve the bare FastAPI ceiling route.")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    args = parser.parse_args()
    # This file's folder is the script's sys.path[0], which spawned workers inherit: they import "ceiling".
    serving.run(
        "ceiling:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        server_header=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
