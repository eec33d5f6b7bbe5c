from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, get
from litestar.exceptions import HTTPException

from feedback.db import check_database


@dataclass(frozen=True)
class Health:
    status: str
    database: str


@get("/healthz", tags=["operations"], summary="Liveness and database reachability")
async def healthz(request: Request) -> Health:
    try:
        await check_database(request.app.state.engine)
    except Exception as exc:  # any driver error means "not reachable"
        raise HTTPException(status_code=503, detail="database unreachable") from exc
    return Health(status="ok", database="ok")


@get("/ping", tags=["operations"], summary="Liveness only", media_type="text/plain")
async def ping() -> str:
    # No database: load balancers poll it, and benchmarks use it as the framework's floor.
    return "ok"
