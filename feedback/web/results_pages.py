"""Survey results: NPS, top-box and CAHPS-style scores by period, location and department."""

from __future__ import annotations

import datetime as dt

from litestar import Request, Response, get
from litestar.params import FromQuery

from feedback.auth.roles import Role
from feedback.metrics import MIN_SAMPLE
from feedback.services.survey_results import (
    ResultsError,
    ResultsQuery,
    survey_choices,
    survey_results,
)
from feedback.web.guards import roles
from feedback.web.rendering import render
from surveys.tables import Department, Location

DEFAULT_DAYS = 90


def _date(value: str | None, default: dt.date) -> dt.date | None:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@get(
    "/surveys/results",
    guards=[roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD)],
    include_in_schema=False,
    name="survey_results",
)
async def results_page(
    request: Request,
    survey: FromQuery[str | None] = None,
    start: FromQuery[str | None] = None,
    end: FromQuery[str | None] = None,
    location: FromQuery[str | None] = None,
    department: FromQuery[str | None] = None,
) -> Response:
    today = dt.date.today()
    choices = await survey_choices()
    start_date = _date(start, today - dt.timedelta(days=DEFAULT_DAYS))
    end_date = _date(end, today)
    context: dict = {
        "choices": choices,
        "locations": await Location.select(Location.id, Location.name).order_by(Location.name),
        "departments": await Department.select(Department.id, Department.name).order_by(
            Department.name
        ),
        "form": {
            "survey": survey or (choices[0]["key"] if choices else ""),
            "start": start or (start_date.isoformat() if start_date else ""),
            "end": end or (end_date.isoformat() if end_date else ""),
            "location": location or "",
            "department": department or "",
        },
        "min_sample": MIN_SAMPLE,
        "results": None,
        "error": None,
    }
    if start_date is None or end_date is None:
        context["error"] = "Dates must look like 2026-03-31."
    elif choices:
        try:
            context["results"] = await survey_results(
                request.scope["user"],
                ResultsQuery(
                    survey_key=context["form"]["survey"],
                    start=start_date,
                    end=end_date,
                    location_id=int(location) if location and location.isdigit() else None,
                    department_id=int(department) if department and department.isdigit() else None,
                ),
            )
        except ResultsError as exc:
            context["error"] = str(exc)
    status = 400 if context["error"] else 200
    return await render(
        request,
        "surveys/results.html",
        context,
        partial="surveys/_results.html",
        status_code=status,
    )
