from fastapi import Request
from fastapi.responses import JSONResponse

from entrypoints.http.deps import conduit
from entrypoints.http.routing import Routes

routes = Routes(tags=["Health"])


@routes.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@routes.get(
    "/readyz",
    summary="The database is reachable and migrated to the code's revision (and how each read replica is)",
    responses={503: {"description": "Not ready: the same body, saying what is missing"}},
)
async def readyz(request: Request) -> JSONResponse:
    readiness = await conduit(request).check_readiness()()
    body: dict[str, object] = {
        "status": "ready" if readiness.ready else "not ready",
        "database": "reachable" if readiness.database_reachable else "unreachable",
        "schemaRevision": readiness.schema_revision,
        "expectedRevision": readiness.expected_revision,
    }
    if readiness.replicas:
        # Reported, not required: reads go to the primary while no replica is in rotation.
        body["replicas"] = [
            {"name": r.name, "state": r.state, "lagMs": r.lag_ms, "trouble": r.trouble}
            for r in readiness.replicas
        ]
    return JSONResponse(body, status_code=200 if readiness.ready else 503)
