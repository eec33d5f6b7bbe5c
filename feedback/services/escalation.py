"""The ticket clock: overdue tickets escalate, and each lead gets a daily digest. Emails go
through the outbox; their business keys make every run safe to repeat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from feedback.services.staff import department_leads
from feedback.tables import StaffUser, Ticket
from feedback.tickets.states import OPEN_STATUSES
from integrations.email import OutgoingEmail, enqueue

# After the resolve deadline the department's leads are told; a day later, the admins too.
SECOND_STAGE_AFTER = dt.timedelta(days=1)
DIGEST_HOUR_UTC = 7
DUE_SOON = dt.timedelta(hours=24)


async def _admins() -> list[dict[str, Any]]:
    return await StaffUser.select(StaffUser.id, StaffUser.email).where(
        (StaffUser.role == "admin") & (StaffUser.is_active == True)  # noqa: E712
    )


async def escalate_overdue(base_url: str, now: dt.datetime | None = None) -> int:
    """Queue escalation emails for overdue open tickets; returns how many were queued."""
    now = now or dt.datetime.now(dt.UTC)
    overdue = await Ticket.select(
        Ticket.id, Ticket.department, Ticket.resolve_due_at, Ticket.priority
    ).where(Ticket.status.is_in(list(OPEN_STATUSES)) & (Ticket.resolve_due_at < now))
    queued = 0
    for ticket in overdue:
        due = ticket["resolve_due_at"]
        due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
        recipients = [("lead", lead) for lead in await department_leads(ticket["department"])]
        if now - due > SECOND_STAGE_AFTER:
            recipients += [("admin", admin) for admin in await _admins()]
        for stage, person in recipients:
            queued += await enqueue(
                OutgoingEmail(
                    kind="ticket_escalation",
                    business_key=f"escalation:{ticket['id']}:{stage}:{person['id']}",
                    recipient=person["email"],
                    subject=f"Overdue: ticket #{ticket['id']} passed its deadline",
                    text=(
                        f"Ticket #{ticket['id']} ({ticket['priority']} priority) was due on "
                        f"{due:%d %b %Y at %H:%M} UTC and is still open.\n\n"
                        f"Open it: {base_url}/tickets/{ticket['id']}\n"
                        + (
                            "\nYou receive this as an administrator because the ticket is more "
                            "than a day overdue.\n"
                            if stage == "admin"
                            else ""
                        )
                    ),
                )
            )
    return queued


async def send_digests(base_url: str, now: dt.datetime | None = None) -> int:
    """Once a day, each active lead gets their department's new, overdue and due-soon counts."""
    now = now or dt.datetime.now(dt.UTC)
    if now.hour < DIGEST_HOUR_UTC:
        return 0
    leads = await StaffUser.select(
        StaffUser.id,
        StaffUser.email,
        StaffUser.department,
        StaffUser.department.name.as_alias("department_name"),
    ).where((StaffUser.role == "lead") & (StaffUser.is_active == True))  # noqa: E712
    sent = 0
    for lead in leads:
        in_department = Ticket.department == lead["department"]
        open_ = Ticket.status.is_in(list(OPEN_STATUSES))
        new = await Ticket.count().where(in_department & (Ticket.status == "new"))
        overdue = await Ticket.count().where(in_department & open_ & (Ticket.resolve_due_at < now))
        soon = await Ticket.count().where(
            in_department
            & open_
            & (Ticket.resolve_due_at >= now)
            & (Ticket.resolve_due_at < now + DUE_SOON)
        )
        sent += await enqueue(
            OutgoingEmail(
                kind="lead_digest",
                business_key=f"digest:{lead['id']}:{now:%Y-%m-%d}",
                recipient=lead["email"],
                subject=f"Your tickets today: {new} new, {overdue} overdue, {soon} due soon",
                text=(
                    f"{lead['department_name']}, {now:%d %b %Y}\n\n"
                    f"New: {new}\nOverdue: {overdue}\nDue in the next 24 hours: {soon}\n\n"
                    f"Your queue: {base_url}/tickets\n"
                ),
            )
        )
    return sent
