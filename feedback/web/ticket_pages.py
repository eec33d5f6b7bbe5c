"""The lead's queue and ticket pages. Every action works as htmx and as a plain form post."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from feedback.analysis import THEMES
from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.routing import PRIORITIES
from feedback.routing.rules import SOURCES
from feedback.services.feedback_list import NotVisible
from feedback.services.tickets import (
    RECOVERY_METHODS,
    TicketError,
    TicketFilters,
    add_note,
    assign,
    assignable_staff,
    bulk_change,
    change_status,
    draft_reply,
    get_ticket,
    list_tickets,
    merge_into,
    record_recovery,
    recovery_contacts,
    related_open_tickets,
    set_tags,
    split_item,
)
from feedback.tickets.states import ACTION_LABELS, LABELS, available_actions
from feedback.web.guards import roles
from feedback.web.rendering import is_htmx, render
from surveys.tables import Location

READERS = roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD, Role.STAFF)


@get("/tickets", guards=[READERS], include_in_schema=False, name="ticket_queue")
async def ticket_queue(
    request: Request,
    status: FromQuery[str | None] = None,
    priority: FromQuery[str | None] = None,
    overdue: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
    theme: FromQuery[str | None] = None,
    source: FromQuery[str | None] = None,
    location: FromQuery[str | None] = None,
    q: FromQuery[str | None] = None,
) -> Response:
    filters = TicketFilters.parse(status, priority, overdue, sort, page, theme, source, location, q)
    result = await list_tickets(request.scope["user"], filters, request.app.state.settings.keyring)
    return await render(
        request,
        "tickets/queue.html",
        {
            "result": result,
            "filters": filters,
            "labels": LABELS,
            "priorities": PRIORITIES,
            "themes": THEMES,
            "sources": SOURCES,
            "locations": await Location.select(Location.id, Location.name).order_by(Location.name),
        },
        partial="tickets/_rows.html",
    )


@post("/tickets/bulk", guards=[READERS], include_in_schema=False)
async def ticket_bulk(request: Request) -> Response:
    form = await request.form()
    ids = [int(value) for value in form.getall("ticket", []) if str(value).isdigit()]
    action = str(form.get("action", ""))
    if not ids:
        await add_flash(request.scope["auth"].id, "error", "Select at least one ticket.")
    else:
        done, problems = await bulk_change(request.scope["user"], ids, action)
        await add_flash(
            request.scope["auth"].id,
            "success" if not problems else "warning",
            f"{done} ticket{'s' if done != 1 else ''} updated."
            + (" Not changed: " + "; ".join(problems) if problems else ""),
        )
    return Redirect("/tickets", status_code=303)


async def _ticket_page(
    request: Request,
    ticket_id: int,
    error: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    try:
        ticket = await get_ticket(
            request.scope["user"], ticket_id, request.app.state.settings.keyring
        )
    except NotVisible:
        raise NotFoundException("No ticket with this number is visible to you.") from None
    staff = request.scope["user"]
    context = {
        "ticket": ticket,
        "labels": LABELS,
        "action_labels": ACTION_LABELS,
        "assignable": await assignable_staff(ticket["department"]),
        "recovery": await recovery_contacts(staff, ticket_id, request.app.state.settings.keyring),
        "related": await related_open_tickets(staff, ticket_id)
        if staff.can_change_department(ticket["department"])
        else [],
        "recovery_methods": RECOVERY_METHODS,
        "actions": available_actions(ticket["status"])
        if staff.can_change_department(ticket["department"])
        else [],
        "error": error,
        "reply_error": None,
        "reply_drafts": {},
        **extra,
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


async def _act(
    request: Request,
    ticket_id: int,
    work: Callable[[Any], Awaitable[Any]],
    message: Callable[[Any], str],
) -> Response:
    """Run one change on a ticket from a form; answer htmx with the work panel and plain
    posts with a redirect and a flash message."""
    form = await request.form()
    try:
        result = await work(form)
    except NotVisible:
        raise NotFoundException("No ticket with this number is visible to you.") from None
    except TicketError as exc:
        return await _refused(request, ticket_id, str(exc))
    return await _after(request, ticket_id, message(result))


def _number(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None


@post("/tickets/{ticket_id:int}/status", guards=[READERS], include_in_schema=False)
async def ticket_status(request: Request, ticket_id: FromPath[int]) -> Response:
    staff = request.scope["user"]
    return await _act(
        request,
        ticket_id,
        lambda form: change_status(
            staff,
            ticket_id,
            str(form.get("action", "")),
            str(form.get("resolution", "")),
            str(form.get("note", "")),
        ),
        lambda status: f"Ticket is now {LABELS[status].lower()}.",
    )


@post("/tickets/{ticket_id:int}/notes", guards=[READERS], include_in_schema=False)
async def ticket_note(request: Request, ticket_id: FromPath[int]) -> Response:
    staff = request.scope["user"]
    return await _act(
        request,
        ticket_id,
        lambda form: add_note(staff, ticket_id, str(form.get("text", ""))),
        lambda _: "Note added.",
    )


@post("/tickets/{ticket_id:int}/reply", guards=[READERS], include_in_schema=False)
async def ticket_reply(request: Request, ticket_id: FromPath[int]) -> Response:
    """A refused draft comes back in its form with the reason (a lead's words are not lost);
    a saved one returns to the ticket. The whole page answers: the form lives beside the
    review, outside the work panel."""
    form = await request.form()
    item_id = _number(form.get("feedback")) or 0
    text = str(form.get("reply", ""))
    try:
        await draft_reply(request.scope["user"], ticket_id, item_id, text)
    except NotVisible:
        raise NotFoundException("No ticket with this number is visible to you.") from None
    except TicketError as exc:
        return await _ticket_page(
            request,
            ticket_id,
            status_code=422,
            reply_error={"feedback": item_id, "message": str(exc)},
            reply_drafts={item_id: text},
        )
    await add_flash(
        request.scope["auth"].id, "success", "Reply draft saved. Post it on the review site."
    )
    return Redirect(f"/tickets/{ticket_id}#fb-{item_id}", status_code=303)


@post("/tickets/{ticket_id:int}/owner", guards=[READERS], include_in_schema=False)
async def ticket_owner(request: Request, ticket_id: FromPath[int]) -> Response:
    staff = request.scope["user"]
    return await _act(
        request,
        ticket_id,
        lambda form: assign(staff, ticket_id, _number(form.get("owner_id"))),
        lambda _: "Owner changed.",
    )


@post("/tickets/{ticket_id:int}/tags", guards=[READERS], include_in_schema=False)
async def ticket_tags(request: Request, ticket_id: FromPath[int]) -> Response:
    staff = request.scope["user"]
    return await _act(
        request,
        ticket_id,
        lambda form: set_tags(staff, ticket_id, str(form.get("tags", ""))),
        lambda _: "Tags saved.",
    )


@post("/tickets/{ticket_id:int}/recovery", guards=[READERS], include_in_schema=False)
async def ticket_recovery(request: Request, ticket_id: FromPath[int]) -> Response:
    staff = request.scope["user"]
    return await _act(
        request,
        ticket_id,
        lambda form: record_recovery(
            staff, ticket_id, str(form.get("method", "")), str(form.get("outcome", ""))
        ),
        lambda _: "Follow-up recorded.",
    )


@post("/tickets/{ticket_id:int}/merge", guards=[READERS], include_in_schema=False)
async def ticket_merge(request: Request, ticket_id: FromPath[int]) -> Response:
    staff = request.scope["user"]
    return await _act(
        request,
        ticket_id,
        lambda form: merge_into(staff, ticket_id, _number(form.get("other")) or -1),
        lambda _: "The other ticket was merged into this one.",
    )


@post("/tickets/{ticket_id:int}/split", guards=[READERS], include_in_schema=False)
async def ticket_split(request: Request, ticket_id: FromPath[int]) -> Response:
    form = await request.form()
    item = str(form.get("feedback", ""))
    try:
        new_id = await split_item(
            request.scope["user"], ticket_id, int(item) if item.isdigit() else -1
        )
    except NotVisible:
        raise NotFoundException("No ticket with this number is visible to you.") from None
    except TicketError as exc:
        return await _refused(request, ticket_id, str(exc))
    await add_flash(
        request.scope["auth"].id, "success", f"Feedback moved to a new ticket #{new_id}."
    )
    return Redirect(f"/tickets/{ticket_id}", status_code=303)
