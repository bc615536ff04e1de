"""The ceiling: the fastest a FastAPI route can answer on this machine, with this uvicorn and these workers.

One JSON route, no middleware, no database. Every Conduit scenario is reported as a share of its
requests/s, so a number means "how much of what the framework allows" rather than an absolute that
changes with the machine.
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}
