"""The monthly summary email to executives: last month's key figures and a link to sign in
and download the PDF. Aggregates only, and no attachment: a board report forwarded outside
the system is a leak we cannot take back, while a link still asks for a sign-in (and is
audited). One outbox row per executive and month (the business key), so a rerun of the job
never mails anyone twice.

Who receives it is the caller's choice: the opt-in flag on staff accounts is not there yet
(see the report for issue 8), so the scheduler will pass the executives who opted in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from feedback.auth.roles import CurrentStaff
from feedback.services.dashboard import DashboardFilters, Kpi, Period, dashboard_for
from integrations.email import OutgoingEmail, enqueue

KIND = "monthly_summary"
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
