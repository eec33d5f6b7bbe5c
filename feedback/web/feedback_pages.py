"""Staff read feedback and its analysis; each sees only what their role allows."""

from __future__ import annotations

import csv
import datetime as dt
import io

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Stream

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.services import audit
from feedback.services.feedback_items import (
    STAFF_CHANNELS,
    FeedbackFieldErrors,
    NewFeedback,
    enter_staff_feedback,
)
from feedback.services.feedback_list import (
    EXPORT_COLUMNS,
    SENTIMENTS,
    FeedbackFilters,
    NotVisible,
    export_rows,
    get_feedback,
    kudos,
    list_feedback,
)
from feedback.web.guards import roles
from feedback.web.rendering import client_address, render
from surveys.tables import Department, Location

READERS = roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD, Role.STAFF)


@get("/feedback", guards=[READERS], include_in_schema=False, name="feedback_list")
async def feedback_list(
    request: Request,
    sentiment: FromQuery[str | None] = None,
    source: FromQuery[str | None] = None,
    urgent: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
) -> Response:
    filters = FeedbackFilters.parse(sentiment, source, urgent, page)
    result = await list_feedback(request.scope["user"], filters, request.app.state.settings.keyring)
    return await render(
        request,
        "feedback/list.html",
        {"result": result, "filters": filters, "sentiments": SENTIMENTS},
        partial="feedback/_rows.html",
    )


ENTRY_ROLES = roles(Role.ADMIN, Role.LEAD, Role.STAFF)


async def _entry_form(
    request: Request, form: dict, errors: dict, status_code: int = 200
) -> Response:
    return await render(
        request,
        "feedback/new.html",
        {
            "form": form,
            "errors": errors,
            "channels": STAFF_CHANNELS,
            "locations": await Location.select(Location.id, Location.name).order_by(Location.name),
            "departments": await Department.select(Department.id, Department.name).order_by(
                Department.name
            ),
        },
        status_code=status_code,
    )


@get("/feedback/new", guards=[ENTRY_ROLES], include_in_schema=False, name="feedback_new")
async def feedback_new(request: Request) -> Response:
    staff = request.scope["user"]
    return await _entry_form(request, {"department_id": str(staff.department_id or "")}, {})


@post("/feedback/new", guards=[ENTRY_ROLES], include_in_schema=False)
async def feedback_create(request: Request) -> Response:
    staff = request.scope["user"]
    form = {key: str(value) for key, value in (await request.form()).items()}
    department = form.get("department_id", "")
    location = form.get("location_id", "")
    try:
        item_id, tickets = await enter_staff_feedback(
            staff,
            NewFeedback(
                source="staff",
                channel=form.get("channel", ""),
                text=form.get("text", ""),
                department_id=int(department) if department.isdigit() else None,
                location_id=int(location) if location.isdigit() else None,
            ),
            base_url=request.app.state.settings.base_url,
        )
    except FeedbackFieldErrors as exc:
        return await _entry_form(request, form, exc.errors, status_code=422)
    await audit.record(
        "feedback.entered",
        actor=staff,
        object_type="feedback_item",
        object_id=item_id,
        client_address=client_address(request),
    )
    count = len(tickets)
    await add_flash(
        request.scope["auth"].id,
        "success",
        f"Feedback recorded and analysed; {count} ticket{'s' if count != 1 else ''} opened.",
    )
    return Redirect(f"/feedback/{item_id}", status_code=303)


@get("/feedback/{item_id:int}", guards=[READERS], include_in_schema=False, name="feedback_detail")
async def feedback_detail(request: Request, item_id: FromPath[int]) -> Response:
    try:
        item = await get_feedback(
            request.scope["user"], item_id, request.app.state.settings.keyring
        )
    except NotVisible:
        raise NotFoundException("No feedback with this number is visible to you.") from None
    return await render(request, "feedback/detail.html", {"item": item})


KUDOS_DAYS = 90


@get("/kudos", guards=[READERS], include_in_schema=False, name="kudos")
async def kudos_page(request: Request) -> Response:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=KUDOS_DAYS)
    items = await kudos(request.scope["user"], since, request.app.state.settings.keyring)
    return await render(request, "feedback/kudos.html", {"items": items, "days": KUDOS_DAYS})


@get(
    "/feedback/export.csv",
    guards=[roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD)],
    include_in_schema=False,
    name="feedback_export",
)
async def feedback_export(
    request: Request,
    sentiment: FromQuery[str | None] = None,
    source: FromQuery[str | None] = None,
    urgent: FromQuery[str | None] = None,
) -> Stream:
    staff = request.scope["user"]
    filters = FeedbackFilters.parse(sentiment, source, urgent, None)
    await audit.record(
        "feedback.exported",
        actor=staff,
        object_type="feedback_export",
        client_address=client_address(request),
        detail={"sentiment": filters.sentiment, "source": filters.source, "urgent": filters.urgent},
    )

    async def lines():  # type: ignore[no-untyped-def]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        async for row in export_rows(staff, filters, request.app.state.settings.keyring):
            writer.writerow(row)
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Stream(
        lines(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
    )
