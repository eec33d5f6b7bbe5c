"""The executive dashboard, its PDF summary and its figures as CSV. Aggregates only: the
services scope every figure to what the viewer may see (a lead: their own department)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any

from jinja2 import Environment
from litestar import Request, Response, get
from litestar.response import Response as PlainResponse

from feedback.auth.roles import Role
from feedback.metrics import MIN_SAMPLE, SMALL_CELL_MAX
from feedback.reports.dashboard_charts import SOURCE_LABELS, dashboard_charts
from feedback.services import audit
from feedback.services.dashboard import Dashboard, DashboardFilters, FilterError, dashboard_for
from feedback.services.dashboard.period import SOURCES
from feedback.services.report_export import figures_rows, representative_comments
from feedback.web.guards import roles
from feedback.web.rendering import client_address, render
from surveys.tables import Department, Location

REPORT_ROLES = roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD)


def _filters(request: Request) -> DashboardFilters:
    query = request.query_params
    return DashboardFilters.parse(
        query.get("from"),
        query.get("to"),
        query.get("location"),
        query.get("department"),
        query.get("source"),
    )


async def _choices() -> dict:
    return {
        "locations": await Location.select(Location.id, Location.name).order_by(Location.name),
        "departments": await Department.select(Department.id, Department.name).order_by(
            Department.name
        ),
        "sources": [(source, SOURCE_LABELS[source]) for source in SOURCES],
    }


@get("/reports/dashboard", guards=[REPORT_ROLES], include_in_schema=False, name="dashboard")
async def dashboard_page(request: Request) -> Response:
    query = request.query_params
    form = {key: query.get(key) or "" for key in ("from", "to", "location", "department", "source")}
    context: dict = {"form": form, "board": None, "charts": {}, "error": None}
    context.update(await _choices())
    context.update(min_sample=MIN_SAMPLE, small_cell=SMALL_CELL_MAX)
    try:
        filters = _filters(request)
    except FilterError as exc:
        context["error"] = str(exc)
    else:
        board = await dashboard_for(request.scope["user"], filters)
        form["from"], form["to"] = board.period.start.isoformat(), board.period.end.isoformat()
        context.update(board=board, charts=dashboard_charts(board), query=filters.query_string())
    return await render(
        request,
        "reports/dashboard.html",
        context,
        partial="reports/_dashboard.html",
        status_code=400 if context["error"] else 200,
    )


@get("/reports/summary.pdf", guards=[REPORT_ROLES], include_in_schema=False, name="summary_pdf")
async def summary_pdf(request: Request) -> Response:
    staff = request.scope["user"]
    try:
        filters = _filters(request)
    except FilterError as exc:
        return PlainResponse(str(exc), status_code=400, media_type="text/plain")
    board = await dashboard_for(staff, filters)
    context = {
        "board": board,
        "charts": dashboard_charts(board, width=680, height=170),
        "comments": await representative_comments(board, request.app.state.settings.keyring),
        "generated_at": dt.datetime.now(dt.UTC),
        "scope": (await _scope_label(board.filters)),
        "min_sample": MIN_SAMPLE,
        "small_cell": SMALL_CELL_MAX,
        "source_labels": SOURCE_LABELS,
    }
    environment = request.app.template_engine.engine  # type: ignore[attr-defined]
    # Layout takes about a second of CPU: off the event loop, so other requests keep flowing.
    pdf = await asyncio.to_thread(_summary_pdf, environment, context)
    return await _download(request, board, "report.pdf_downloaded", pdf, "application/pdf", "pdf")


def _summary_pdf(environment: Environment, context: dict[str, Any]) -> bytes:
    # WeasyPrint takes about a second to import: it loads with the first PDF, in this worker
    # thread, rather than with every server, worker and command that builds the app.
    from feedback.reports.pdf import render_pdf, summary_html

    return render_pdf(summary_html(environment, context))


@get("/reports/figures.csv", guards=[REPORT_ROLES], include_in_schema=False, name="figures_csv")
async def figures_csv(request: Request) -> Response:
    staff = request.scope["user"]
    try:
        filters = _filters(request)
    except FilterError as exc:
        return PlainResponse(str(exc), status_code=400, media_type="text/plain")
    board = await dashboard_for(staff, filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in figures_rows(board):
        writer.writerow(row)
    return await _download(
        request, board, "report.figures_exported", buffer.getvalue(), "text/csv", "csv"
    )


async def _download(
    request: Request, board: Dashboard, action: str, body: bytes | str, media_type: str, ext: str
) -> Response:
    """An audited attachment named after its period."""
    await audit.record(
        action,
        actor=request.scope["user"],
        object_type="report",
        object_id=ext,
        client_address=client_address(request),
        detail={"query": board.filters.query_string()},
    )
    name = f"patient-experience-{board.period.start}-{board.period.end}.{ext}"
    return PlainResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _scope_label(filters: DashboardFilters) -> str:
    parts = []
    if filters.location_id:
        row = await Location.select(Location.name).where(Location.id == filters.location_id).first()
        parts.append(row["name"] if row else "Unknown location")
    if filters.department_id:
        row = (
            await Department.select(Department.name)
            .where(Department.id == filters.department_id)
            .first()
        )
        parts.append(row["name"] if row else "Unknown department")
    if filters.source:
        parts.append(SOURCE_LABELS[filters.source])
    return " · ".join(parts) or "All locations and departments"
