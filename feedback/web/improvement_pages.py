"""Leads and admins record changes made because of feedback, preview and publish them."""

from __future__ import annotations

import datetime as dt

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.services import audit
from feedback.services.feedback_list import NotVisible
from feedback.services.improvements import (
    Draft,
    ImprovementError,
    create_improvement,
    get_improvement,
    list_improvements,
    patients_to_tell,
    publish,
    render_email,
)
from feedback.services.tickets import TicketFilters, list_tickets
from feedback.web.guards import roles
from feedback.web.rendering import render
from surveys.tables import Department, Location

READERS = roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD)
WRITERS = roles(Role.ADMIN, Role.LEAD)


async def _form(request: Request, form: dict, errors: dict, status_code: int = 200) -> Response:
    staff = request.scope["user"]
    tickets = await list_tickets(staff, TicketFilters(status="all", sort="newest"))
    return await render(
        request,
        "improvements/new.html",
        {
            "form": form,
            "errors": errors,
            "tickets": tickets["tickets"],
            "departments": await Department.select(Department.id, Department.name).order_by(
                Department.name
            ),
            "locations": await Location.select(Location.id, Location.name).order_by(Location.name),
        },
        status_code=status_code,
    )


@get("/improvements", guards=[READERS], include_in_schema=False, name="improvements")
async def improvements(request: Request) -> Response:
    return await render(
        request, "improvements/list.html", {"items": await list_improvements(request.scope["user"])}
    )


@get("/improvements/new", guards=[WRITERS], include_in_schema=False)
async def improvement_new(request: Request, ticket: FromQuery[int | None] = None) -> Response:
    return await _form(
        request,
        {"tickets": [str(ticket)] if ticket else [], "change_date": dt.date.today().isoformat()},
        {},
    )


@post("/improvements/new", guards=[WRITERS], include_in_schema=False)
async def improvement_create(request: Request) -> Response:
    raw = await request.form()
    form = {key: str(value) for key, value in raw.items()}
    form["tickets"] = [str(value) for value in raw.getall("tickets", [])]
    try:
        change_date = dt.date.fromisoformat(form.get("change_date", ""))
    except ValueError:
        change_date = None
    department = form.get("department_id", "")
    location = form.get("location_id", "")
    try:
        improvement_id = await create_improvement(
            request.scope["user"],
            Draft(
                title=form.get("title", ""),
                body=form.get("body", ""),
                department_id=int(department) if department.isdigit() else None,
                location_id=int(location) if location.isdigit() else None,
                change_date=change_date,
                ticket_ids=tuple(int(t) for t in form["tickets"] if t.isdigit()),
            ),
        )
    except ImprovementError as exc:
        return await _form(request, form, exc.errors, status_code=422)
    await audit.record(
        "improvement.created",
        actor=request.scope["user"],
        object_type="improvement",
        object_id=improvement_id,
    )
    return Redirect(f"/improvements/{improvement_id}", status_code=303)


@get("/improvements/{improvement_id:int}", guards=[READERS], include_in_schema=False)
async def improvement_page(request: Request, improvement_id: FromPath[int]) -> Response:
    try:
        improvement = await get_improvement(request.scope["user"], improvement_id)
    except NotVisible:
        raise NotFoundException("No change with this number is visible to you.") from None
    settings = request.app.state.settings
    subject, text, _html = render_email(
        improvement, settings.base_url, f"{settings.base_url}/unsubscribe/…"
    )
    return await render(
        request,
        "improvements/detail.html",
        {
            "improvement": improvement,
            "subject": subject,
            "text": text,
            "audience": len(await patients_to_tell(improvement_id)),
            "can_publish": request.scope["user"].can_change_department(improvement["department"]),
        },
    )


@post("/improvements/{improvement_id:int}/publish", guards=[WRITERS], include_in_schema=False)
async def improvement_publish(request: Request, improvement_id: FromPath[int]) -> Response:
    settings = request.app.state.settings
    try:
        queued = await publish(
            request.scope["user"],
            improvement_id,
            settings.base_url,
            settings.blind_index_key,
            settings.keyring,
        )
    except NotVisible:
        raise NotFoundException("No change with this number is visible to you.") from None
    except ImprovementError as exc:
        await add_flash(request.scope["auth"].id, "error", str(exc))
        return Redirect(f"/improvements/{improvement_id}", status_code=303)
    await audit.record(
        "improvement.published",
        actor=request.scope["user"],
        object_type="improvement",
        object_id=improvement_id,
        detail={"emails_queued": queued},
    )
    await add_flash(
        request.scope["auth"].id,
        "success",
        f"Published. {queued} patient{'s' if queued != 1 else ''} will be told.",
    )
    return Redirect(f"/improvements/{improvement_id}", status_code=303)
