from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from application.health import CheckReadiness
from entrypoints.container import Container

router = APIRouter(tags=["Health"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated to the code's revision")
@inject
async def readyz(
    check: Annotated[CheckReadiness, Depends(Provide[Container.check_readiness])],
) -> JSONResponse:
    readiness = await check()
    body = {
        "status": "ready" if readiness.ready else "not ready",
        "database": "reachable" if readiness.database_reachable else "unreachable",
        "schemaRevision": readiness.schema_revision,
        "expectedRevision": readiness.expected_revision,
    }
    return JSONResponse(body, status_code=200 if readiness.ready else 503)
