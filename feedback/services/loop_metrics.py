"""Closed-loop figures: is negative feedback ticketed, are tickets resolved in time, are the
patients who contributed told, and how long from feedback to change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feedback.auth.roles import CurrentStaff
from feedback.metrics import Figure, median, rate
from feedback.services.improvements import patient_of
from feedback.tables import FeedbackItem, Improvement, ImprovementTicket, Ticket, TicketFeedback
from integrations.db_values import aware
from integrations.tables import OutboxMessage

# These are operational shares, not survey scores: a small sample is still worth showing.
LOOP_MIN_SAMPLE = 1


@dataclass(frozen=True)
class LoopFigures:
    negative_ticketed: Figure
    resolved_within_sla: Figure
    patients_told: Figure
    median_days_to_change: float | None
    changes: int


async def loop_figures(viewer: CurrentStaff, start: dt.datetime, end: dt.datetime) -> LoopFigures:
    scope = viewer.department_scope()
    negative = FeedbackItem.select(FeedbackItem.id).where(
        FeedbackItem.sentiment.is_in(["negative", "mixed"])
        & (FeedbackItem.received_at >= start)
        & (FeedbackItem.received_at < end)
    )
    if scope is not None:
        negative = negative.where(FeedbackItem.department == scope)
    negative_ids = [row["id"] for row in await negative]
    ticketed = {
        row["feedback_item"]
        for row in await TicketFeedback.select(TicketFeedback.feedback_item).where(
            TicketFeedback.feedback_item.is_in(negative_ids or [-1])
        )
    }

    resolved = Ticket.select(Ticket.resolved_at, Ticket.resolve_due_at).where(
        Ticket.resolved_at.is_not_null()
        & (Ticket.resolved_at >= start)
        & (Ticket.resolved_at < end)
    )
    if scope is not None:
        resolved = resolved.where(Ticket.department == scope)
    resolved_rows = await resolved
    in_time = sum(
        1
        for row in resolved_rows
        if row["resolve_due_at"] is None
        or aware(row["resolved_at"]) <= aware(row["resolve_due_at"])
    )

    changes = Improvement.select(Improvement.id, Improvement.published_at).where(
        (Improvement.status == "published")
        & (Improvement.published_at >= start)
        & (Improvement.published_at < end)
    )
    if scope is not None:
        changes = changes.where(Improvement.department == scope)
    change_rows = await changes
    change_ids = [row["id"] for row in change_rows] or [-1]
    published = {row["id"]: aware(row["published_at"]) for row in change_rows}
    links = await ImprovementTicket.select(
        ImprovementTicket.improvement, ImprovementTicket.ticket
    ).where(ImprovementTicket.improvement.is_in(change_ids))
    tickets_of: dict[int, list[int]] = {}
    for link in links:
        tickets_of.setdefault(link["improvement"], []).append(link["ticket"])
    items = await TicketFeedback.select(
        TicketFeedback.ticket,
        TicketFeedback.feedback_item.received_at.as_alias("received_at"),
        TicketFeedback.feedback_item.patient.as_alias("patient"),
    ).where(TicketFeedback.ticket.is_in([link["ticket"] for link in links] or [-1]))
    by_ticket: dict[int, list[dict]] = {}
    for item in items:
        by_ticket.setdefault(item["ticket"], []).append(item)
    contributors: set[tuple[int, int]] = set()
    days: list[float] = []
    for improvement_id, ticket_ids in tickets_of.items():
        for ticket_id in ticket_ids:
            for item in by_ticket.get(ticket_id, []):
                days.append(
                    (published[improvement_id] - aware(item["received_at"])).total_seconds() / 86400
                )
                if item["patient"] is not None:
                    contributors.add((improvement_id, item["patient"]))
    sent = await OutboxMessage.select(OutboxMessage.business_key).where(
        (OutboxMessage.kind == "improvement") & (OutboxMessage.status == "sent")
    )
    told = {
        (int(row["business_key"].split(":")[1]), patient_of(row["business_key"])) for row in sent
    }
    return LoopFigures(
        negative_ticketed=rate(len(ticketed), len(negative_ids), LOOP_MIN_SAMPLE),
        resolved_within_sla=rate(in_time, len(resolved_rows), LOOP_MIN_SAMPLE),
        patients_told=rate(len(contributors & told), len(contributors), LOOP_MIN_SAMPLE),
        median_days_to_change=round(median(days), 1) if days else None,
        changes=len(change_rows),
    )
