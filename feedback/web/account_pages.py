"""A staff member's own account: who they are signed in as, and two-step sign-in (required for
some roles, offered to the others)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.services import audit
from feedback.services.break_glass import (
    BreakGlassError,
    end_emergency_access,
    open_emergency_access,
    recent_grants,
)
from feedback.services.mfa import open_challenge, required_roles
from feedback.services.monthly_summary import SUMMARY_ROLES, set_monthly_report
from feedback.settings import Settings
from feedback.tables import StaffUser
from feedback.web.auth_pages import MFA_COOKIE, challenge_cookie
from feedback.web.guards import roles, signed_in
from feedback.web.rendering import client_address, render


async def _account_page(request: Request, status_code: int = 200, **extra: object) -> Response:
    settings: Settings = request.app.state.settings
    staff = request.scope["user"]
    user = (
        await StaffUser.select(StaffUser.mfa_enrolled_at, StaffUser.monthly_report)
        .where(StaffUser.id == staff.id)
        .first()
    )
    context = {
        "enrolled_at": user["mfa_enrolled_at"] if user else None,
        "required": staff.role in required_roles(settings.mfa_required_roles),
        "may_break_glass": staff.role in (Role.LEAD, Role.STAFF),
        "emergency_error": None,
        "reason": "",
        "may_get_summary": staff.role in SUMMARY_ROLES,
        "monthly_report": bool(user and user["monthly_report"]),
        **extra,
    }
    return await render(request, "account.html", context, status_code=status_code)


@get("/account", guards=[signed_in], include_in_schema=False, name="account")
async def account_page(request: Request) -> Response:
    return await _account_page(request)


@post("/account/monthly-summary", guards=[signed_in], include_in_schema=False)
async def monthly_summary_choice(request: Request) -> Response:
    staff = request.scope["user"]
    form = await request.form()
    wanted = form.get("monthly_report") == "yes"
    try:
        await set_monthly_report(staff, wanted)
    except ValueError:
        raise PermissionDeniedException(
            "The monthly summary is for executives and admins."
        ) from None
    await add_flash(
        request.scope["auth"].id,
        "success",
        "You will receive the monthly summary by email."
        if wanted
        else "You will no longer receive the monthly summary.",
    )
    return Redirect("/account", status_code=303)


@post("/account/two-step", guards=[signed_in], include_in_schema=False)
async def start_two_step(request: Request) -> Response:
    """Opt in: the same set-up page as at sign-in, and a fresh session when it is done."""
    settings: Settings = request.app.state.settings
    staff = request.scope["user"]
    token = await open_challenge(staff.id, "/account", settings.keyring)
    await audit.record(
        "staff.second_step_started",
        actor=staff,
        object_type="staff_user",
        object_id=staff.id,
        client_address=client_address(request),
    )
    response: Response = Redirect("/login/verify", status_code=303)
    challenge_cookie(response, token, settings)
    return response


@post("/account/emergency", guards=[signed_in], include_in_schema=False)
async def open_emergency(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    staff = request.scope["user"]
    form = await request.form()
    reason = str(form.get("reason", ""))
    try:
        await open_emergency_access(
            staff,
            request.scope["auth"].id,
            reason,
            base_url=settings.base_url,
            client=client_address(request),
        )
    except BreakGlassError as exc:
        return await _account_page(request, 422, emergency_error=str(exc), reason=reason)
    return Redirect("/", status_code=303)


@post("/account/emergency/end", guards=[signed_in], include_in_schema=False)
async def end_emergency(request: Request) -> Response:
    await end_emergency_access(
        request.scope["user"], request.scope["auth"].id, client=client_address(request)
    )
    return Redirect("/account", status_code=303)


@get("/admin/emergency-access", guards=[roles(Role.ADMIN)], include_in_schema=False)
async def emergency_review(request: Request) -> Response:
    return await render(request, "admin/emergency_access.html", {"grants": await recent_grants()})


__all__ = [
    "MFA_COOKIE",
    "account_page",
    "emergency_review",
    "end_emergency",
    "monthly_summary_choice",
    "open_emergency",
    "start_two_step",
]
