"""The monthly summary email to executives: last month's key figures and a link to sign in
and download the PDF. Aggregates only, and no attachment: a board report forwarded outside
the system is a leak we cannot take back, while a link still asks for a sign-in (and is
audited). One outbox row per executive and month (the business key), so a rerun of the job
never mails anyone twice. Executives and administrators opt in on their account page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from feedback.auth.roles import CurrentStaff, Role
from feedback.services.dashboard import DashboardFilters, Kpi, Period, dashboard_for
from feedback.tables import StaffUser
from integrations.email import OutgoingEmail, enqueue

KIND = "monthly_summary"
SUMMARY_ROLES = (Role.EXECUTIVE, Role.ADMIN)
HEADLINE = ("nps", "top_box", "response_rate", "feedback", "sla", "ticketed", "told")


def previous_month(today: dt.date) -> Period:
    first = today.replace(day=1)
    last = first - dt.timedelta(days=1)
    return Period(last.replace(day=1), last)


def _line(kpi: Kpi) -> str:
    current = kpi.change.current
    value = "not enough data" if current.value is None else f"{current.value:g}{kpi.unit}"
    change = (
        ""
        if kpi.change.delta is None
        else f", {kpi.change.delta:+g}{kpi.delta_unit} on the month before"
    )
    return f"- {kpi.label}: {value} (n = {current.n}){change}"


def summary_email(
    board_lines: Sequence[str], period: Period, recipient: CurrentStaff, base_url: str
) -> OutgoingEmail:
    link = (
        f"{base_url.rstrip('/')}/reports/dashboard?from={period.start.isoformat()}"
        f"&to={period.end.isoformat()}"
    )
    month = f"{period.start:%B %Y}"
    text = "\n".join(
        [
            f"Patient experience in {month}",
            "",
            *board_lines,
            "",
            "Sign in to see the dashboard and download the PDF summary for the board:",
            link,
            "",
            "You receive this because you asked for the monthly summary. Figures are aggregates;",
            "no patient information is included in this email.",
        ]
    )
    return OutgoingEmail(
        kind=KIND,
        business_key=f"{KIND}:{period.start:%Y-%m}:staff:{recipient.id}",
        recipient=recipient.email,
        subject=f"Patient experience summary, {month}",
        text=text,
    )


async def enqueue_monthly_summaries(
    recipients: Sequence[CurrentStaff], today: dt.date, base_url: str
) -> int:
    """Queue last month's summary for each recipient; returns how many were newly queued."""
    period = previous_month(today)
    filters = DashboardFilters(period)
    queued = 0
    for recipient in recipients:
        board = await dashboard_for(recipient, filters)  # scoped to what they may see
        lines = [_line(board.kpi(key)) for key in HEADLINE]
        queued += await enqueue(summary_email(lines, period, recipient, base_url))
    return queued


async def set_monthly_report(viewer: CurrentStaff, wanted: bool) -> None:
    if viewer.role not in SUMMARY_ROLES:
        raise ValueError("The monthly summary is for executives and administrators.")
    await StaffUser.update({StaffUser.monthly_report: wanted}).where(StaffUser.id == viewer.id)


async def send_monthly_summaries(today: dt.date, base_url: str) -> int:
    """The scheduler's job, run several times a day: each opted-in executive or admin gets last
    month's summary once (the outbox's business key is per person and month), as soon as the
    month has turned."""
    rows = await StaffUser.select(
        StaffUser.id,
        StaffUser.email,
        StaffUser.display_name,
        StaffUser.role,
        StaffUser.department.id.as_alias("department_id"),
        StaffUser.department.name.as_alias("department_name"),
    ).where(
        (StaffUser.monthly_report == True)  # noqa: E712
        & (StaffUser.is_active == True)  # noqa: E712
        & StaffUser.role.is_in([role.value for role in SUMMARY_ROLES])
    )
    recipients = [
        CurrentStaff(
            id=row["id"],
            email=row["email"],
            display_name=row["display_name"],
            role=Role(row["role"]),
            department_id=row["department_id"],
            department_name=row["department_name"],
        )
        for row in rows
    ]
    return await enqueue_monthly_summaries(recipients, today, base_url)
