"""Overdue tickets escalate to the lead, then to admins; leads get a daily digest."""

from __future__ import annotations

import datetime as dt

from feedback.services.escalation import escalate_overdue, send_digests
from feedback.services.feedback_items import NewFeedback, record_feedback
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem, Ticket
from integrations.tables import OutboxMessage
from tests import factories

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


async def _ticket(department: int, due: dt.datetime) -> int:
    item_id = await record_feedback(
        NewFeedback(source="survey", department_id=department, text="The toilets were filthy.")
    )
    [ticket] = await open_tickets(
        [await FeedbackItem.select().where(FeedbackItem.id == item_id).first()]
    )
    await Ticket.update({Ticket.resolve_due_at: due}).where(Ticket.id == ticket)
    return ticket


async def test_overdue_tickets_escalate_to_the_lead_then_the_admins_once(db):
    department = await factories.department("Facilities")
    lead = await factories.staff("lead", department)
    admin = await factories.staff("admin")
    late = await _ticket(department, NOW - dt.timedelta(hours=2))
    await _ticket(department, NOW + dt.timedelta(hours=2))
    assert await escalate_overdue("https://px.example", NOW) == 1
    assert await escalate_overdue("https://px.example", NOW) == 0  # repeated run: no duplicate
    [message] = await OutboxMessage.select()
    assert message["recipient"] == lead and f"/tickets/{late}" in message["body_text"]
    # Two days on: the first ticket reaches the admin; the second is now overdue too (lead
    # and, being more than a day late, admin).
    assert await escalate_overdue("https://px.example", NOW + dt.timedelta(days=2)) == 3
    recipients = {row["recipient"] for row in await OutboxMessage.select()}
    assert admin in recipients
    # Escalations say which ticket, never what the patient said.
    assert all("filthy" not in row["body_text"] for row in await OutboxMessage.select())


async def test_each_lead_gets_one_digest_a_day(db):
    department = await factories.department("Facilities")
    lead = await factories.staff("lead", department)
    await _ticket(department, NOW - dt.timedelta(hours=1))
    await _ticket(department, NOW + dt.timedelta(hours=3))
    await _ticket(department, NOW + dt.timedelta(days=5))
    assert await send_digests("https://px.example", NOW.replace(hour=5)) == 0  # too early
    assert await send_digests("https://px.example", NOW) == 1
    assert await send_digests("https://px.example", NOW + dt.timedelta(hours=3)) == 0
    [digest] = await OutboxMessage.select()
    assert digest["recipient"] == lead
    assert digest["subject"] == "Your tickets today: 3 new, 1 overdue, 1 due soon"
