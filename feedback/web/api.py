"""The JSON API (documented in the OpenAPI schema at /schema)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Request, get

from feedback.web.guards import signed_in


@dataclass(frozen=True)
class SessionInfo:
    id: int
    email: str
    display_name: str
    role: str
    department_id: int | None
    department_name: str | None


class SessionApiController(Controller):
    path = "/api/v1"
    tags = ["session"]

    @get("/me", guards=[signed_in], summary="The signed-in staff member")
    async def me(self, request: Request) -> SessionInfo:
        staff = request.scope["user"]
        return SessionInfo(
            id=staff.id,
            email=staff.email,
            display_name=staff.display_name,
            role=staff.role.value,
            department_id=staff.department_id,
            department_name=staff.department_name,
        )
