"""The lead's queue and ticket pages. Every action works as htmx and as a plain form post."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.routing import PRIORITIES
from feedback.services.feedback_list import NotVisible
from feedback.services.tickets import (
    TicketError,
    TicketFilters,
    add_note,
    change_status,
    get_ticket,
    list_tickets,
)
from feedback.tickets.states import ACTION_LABELS, LABELS, available_actions
from feedback.web.guards import roles
from feedback.web.rendering import is_htmx, render

READERS = roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD, Role.STAFF)


@get("/tickets", guards=[READERS], include_in_schema=False, name="ticket_queue")
async def ticket_queue(
    request: Request,
    status: FromQuery[str | None] = None,
    priority: FromQuery[str | None] = None,
    overdue: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
) -> Response:
    filters = TicketFilters.parse(status, priority, overdue, sort, page)
    result = await list_tickets(request.scope["user"], filters)
    return await render(
        request,
        "tickets/queue.html",
        {"result": result, "filters": filters, "labels": LABELS, "priorities": PRIORITIES},
        partial="tickets/_rows.html",
    )


async def _ticket_page(
    request: Request, ticket_id: int, error: str | None = None, status_code: int = 200
) -> Response:
    try:
        ticket = await get_ticket(request.scope["user"], ticket_id)
    except NotVisible:
        raise NotFoundException("No ticket with this number is visible to you.") from None
    staff = request.scope["user"]
    context = {
        "ticket": ticket,
        "labels": LABELS,
        "action_labels": ACTION_LABELS,
        "actions": available_actions(ticket["status"])
        if staff.can_change_department(ticket["department"])
        else [],
        "error": error,
    }
    return await render(
        request,
        "tickets/detail.html",
        context,
        partial="tickets/_work.html",
        status_code=status_code,
    )


@get("/tickets/{ticket_id:int}", guards=[READERS], include_in_schema=False, name="ticket")
async def ticket_page(request: Request, ticket_id: FromPath[int]) -> Response:
    return await _ticket_page(request, ticket_id)


async def _after(request: Request, ticket_id: int, message: str) -> Response:
    if is_htmx(request):
        return await _ticket_page(request, ticket_id)
    await add_flash(request.scope["auth"].id, "success", message)
    return Redirect(f"/tickets/{ticket_id}", status_code=303)


async def _refused(request: Request, ticket_id: int, error: str) -> Response:
    if not is_htmx(request):
        await add_flash(request.scope["auth"].id, "error", error)
        return Redirect(f"/tickets/{ticket_id}", status_code=303)
    return await _ticket_page(request, ticket_id, error, status_code=422)


@post("/tickets/{ticket_id:int}/status", guards=[READERS], include_in_schema=False)
async def ticket_status(request: Request, ticket_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        status = await change_status(
            request.scope["user"],
            ticket_id,
            str(form.get("action", "")),
            str(form.get("resolution", "")),
            str(form.get("note", "")),
        )
    except NotVisible:
        raise NotFoundException("No ticket with this number is visible to you.") from None
    except TicketError as exc:
        return await _refused(request, ticket_id, str(exc))
    return await _after(request, ticket_id, f"Ticket is now {LABELS[status].lower()}.")


@post("/tickets/{ticket_id:int}/notes", guards=[READERS], include_in_schema=False)
async def ticket_note(request: Request, ticket_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await add_note(request.scope["user"], ticket_id, str(form.get("text", "")))
    except NotVisible:
        raise NotFoundException("No ticket with this number is visible to you.") from None
    except TicketError as exc:
        return await _refused(request, ticket_id, str(exc))
    return await _after(request, ticket_id, "Note added.")
