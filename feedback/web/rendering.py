"""One way to render a page or its htmx partial, with the context every page needs."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from feedback.auth.sessions import ActiveSession, clear_flash
from feedback.web.navigation import navigation_for


def is_htmx(request: Request) -> bool:
    # A boosted or history-restore request wants the whole page, not a fragment.
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
        and request.headers.get("hx-boosted") != "true"
    )


async def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
) -> Template:
    """Render `template`, or `partial` instead when htmx asked for a fragment."""
    context = dict(context or {})
    context.setdefault("staff", request.scope.get("user"))
    if partial is not None and is_htmx(request):
        return Template(template_name=partial, context=context, status_code=status_code)
    session: ActiveSession | None = request.scope.get("auth")  # type: ignore[assignment]
    staff = session.staff if session else None
    flash = session.flash if session else []
    if flash and session is not None:
        await clear_flash(session.id)
    context.setdefault("staff", staff)
    context["navigation"] = navigation_for(staff.role) if staff else []
    context["current_path"] = request.url.path
    context["flash_messages"] = flash
    return Template(template_name=template, context=context, status_code=status_code)


def client_address(request: Request) -> str:
    """The address a request came from, for the audit trail and rate limits."""
    return request.client.host if request.client else ""
