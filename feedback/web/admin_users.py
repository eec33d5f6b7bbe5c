"""Administrators manage staff accounts. Every action works as htmx and as a plain form post."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.services import audit
from feedback.services.mfa import MfaError, reset_second_step
from feedback.services.staff import (
    FieldErrors,
    NewStaff,
    StaffError,
    create_staff,
    departments,
    list_staff,
    set_active,
    staff_row,
)
from feedback.web.guards import roles
from feedback.web.rendering import client_address, is_htmx, render


class StaffAdminController(Controller):
    path = "/admin/users"
    guards = [roles(Role.ADMIN)]
    include_in_schema = False

    async def _page(self, request: Request, **extra: object) -> Response:
        context = {
            "users": await list_staff(),
            "departments": await departments(),
            "roles": list(Role),
            "form": {},
            "errors": {},
            **extra,
        }
        status = 400 if extra.get("errors") else 200
        return await render(request, "admin/users.html", context, status_code=status)

    @get("/", name="admin_users")
    async def index(self, request: Request) -> Response:
        return await self._page(request)

    @post("/")
    async def create(self, request: Request) -> Response:
        form = await request.form()
        department = str(form.get("department_id", "")).strip()
        new = NewStaff(
            email=str(form.get("email", "")),
            display_name=str(form.get("display_name", "")),
            role=str(form.get("role", "")),
            department_id=int(department) if department.isdigit() else None,
            password=str(form.get("password", "")),
        )
        try:
            user_id = await create_staff(new)
        except FieldErrors as exc:
            shown = {key: value for key, value in form.items() if key != "password"}
            if is_htmx(request):
                return await render(
                    request,
                    "admin/_user_form.html",
                    {
                        "form": shown,
                        "errors": exc.errors,
                        "departments": await departments(),
                        "roles": list(Role),
                    },
                    partial="admin/_user_form.html",
                    status_code=422,
                )
            return await self._page(request, form=shown, errors=exc.errors)
        actor = request.scope["user"]
        await audit.record(
            "staff.created",
            actor=actor,
            object_type="staff_user",
            object_id=user_id,
            client_address=client_address(request),
        )
        await add_flash(request.scope["auth"].id, "success", f"Account created for {new.email}.")
        if is_htmx(request):
            return Response("", status_code=204, headers={"HX-Redirect": "/admin/users"})
        return Redirect("/admin/users", status_code=303)

    @post("/{user_id:int}/active")
    async def toggle_active(self, request: Request, user_id: FromPath[int]) -> Response:
        form = await request.form()
        active = str(form.get("active", "")) == "true"
        actor = request.scope["user"]
        try:
            await set_active(actor, user_id, active)
        except StaffError as exc:
            if is_htmx(request):
                return await render(
                    request,
                    "admin/_user_row.html",
                    {"user": await staff_row(user_id), "row_error": str(exc)},
                    partial="admin/_user_row.html",
                    status_code=422,
                )
            await add_flash(request.scope["auth"].id, "error", str(exc))
            return Redirect("/admin/users", status_code=303)
        await audit.record(
            "staff.activated" if active else "staff.deactivated",
            actor=actor,
            object_type="staff_user",
            object_id=user_id,
            client_address=client_address(request),
        )
        return await _after_row_change(request, user_id)

    @post("/{user_id:int}/two-step")
    async def reset_two_step(self, request: Request, user_id: FromPath[int]) -> Response:
        actor = request.scope["user"]
        try:
            await reset_second_step(actor, user_id)
        except MfaError as exc:
            await add_flash(request.scope["auth"].id, "error", str(exc))
            return Redirect("/admin/users", status_code=303)
        await audit.record(
            "staff.second_step_reset",
            actor=actor,
            object_type="staff_user",
            object_id=user_id,
            client_address=client_address(request),
        )
        return await _after_row_change(
            request,
            user_id,
            "Two-step sign-in was reset: the person sets up their app again at next sign-in.",
        )


async def _after_row_change(request: Request, user_id: int, message: str = "") -> Response:
    """htmx gets the account's row back; a plain form post, the page (with a message)."""
    if is_htmx(request):
        return await render(
            request,
            "admin/_user_row.html",
            {"user": await staff_row(user_id)},
            partial="admin/_user_row.html",
        )
    if message:
        await add_flash(request.scope["auth"].id, "success", message)
    return Redirect("/admin/users", status_code=303)
