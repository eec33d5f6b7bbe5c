"""The overview each role lands on, limited to what that role may see (DESIGN.md §6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from feedback.auth.roles import CurrentStaff
from feedback.tables import FeedbackItem, StaffUser, Ticket
from feedback.tickets.states import OPEN_STATUSES
from surveys.tables import Department, Location, Visit

RECENT_DAYS = 30


@dataclass(frozen=True)
class DepartmentLine:
    id: int
    name: str
    leads: list[str]
    visits_recent: int
    feedback_recent: int
    open_tickets: int


@dataclass(frozen=True)
class Overview:
    scope_label: str
    locations: int
    visits_recent: int
    feedback_recent: int
    negative_recent: int
    open_tickets: int
    overdue_tickets: int
    departments: list[DepartmentLine]
    since: dt.date


async def overview_for(staff: CurrentStaff, today: dt.date | None = None) -> Overview:
    today = today or dt.date.today()
    since = today - dt.timedelta(days=RECENT_DAYS)
    since_at = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
    scope = staff.department_scope()

    department_query = Department.select(Department.id, Department.name).order_by(Department.name)
    if scope is not None:
        department_query = department_query.where(Department.id == scope)
    departments = await department_query

    visit_counts = await _count_by_department(
        Visit.select(Visit.department, Count(alias="n"))
        .where(Visit.visit_date >= since)
        .group_by(Visit.department)
    )
    feedback_counts = await _count_by_department(
        FeedbackItem.select(FeedbackItem.department, Count(alias="n"))
        .where(FeedbackItem.received_at >= since_at)
        .group_by(FeedbackItem.department)
    )
    ticket_counts = await _count_by_department(
        Ticket.select(Ticket.department, Count(alias="n"))
        .where(Ticket.status.is_in(list(OPEN_STATUSES)))
        .group_by(Ticket.department)
    )
    leads: dict[int, list[str]] = {}
    for row in await StaffUser.select(StaffUser.department, StaffUser.display_name).where(
        (StaffUser.role == "lead") & (StaffUser.is_active == True)  # noqa: E712
    ):
        leads.setdefault(row["department"], []).append(row["display_name"])

    lines = [
        DepartmentLine(
            id=row["id"],
            name=row["name"],
            leads=sorted(leads.get(row["id"], [])),
            visits_recent=visit_counts.get(row["id"], 0),
            feedback_recent=feedback_counts.get(row["id"], 0),
            open_tickets=ticket_counts.get(row["id"], 0),
        )
        for row in departments
    ]

    negative_query = FeedbackItem.count().where(
        (FeedbackItem.received_at >= since_at) & (FeedbackItem.sentiment == "negative")
    )
    overdue_query = Ticket.count().where(
        Ticket.status.is_in(list(OPEN_STATUSES)) & (Ticket.resolve_due_at < dt.datetime.now(dt.UTC))
    )
    if scope is not None:
        negative_query = negative_query.where(FeedbackItem.department == scope)
        overdue_query = overdue_query.where(Ticket.department == scope)

    return Overview(
        scope_label=staff.department_name if scope is not None else "All departments",
        locations=await Location.count(),
        visits_recent=sum(line.visits_recent for line in lines),
        feedback_recent=sum(line.feedback_recent for line in lines),
        negative_recent=await negative_query,
        open_tickets=sum(line.open_tickets for line in lines),
        overdue_tickets=await overdue_query,
        departments=lines,
        since=since,
    )


async def _count_by_department(query) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {row["department"]: row["n"] for row in await query if row["department"]}
