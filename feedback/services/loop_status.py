"""What happened to a respondent's feedback, and the public "you said, we did" list."""

from __future__ import annotations

from typing import Any

from feedback.tables import FeedbackItem, Improvement, ImprovementTicket, Ticket, TicketFeedback
from surveys.tables import Location

STAGES = ("received", "in_progress", "changed", "no_change")


async def feedback_journey(response_id: int) -> dict[str, Any]:
    """The furthest stage each piece of a response's feedback reached, with no names: the
    departments working on it and the published changes it led to."""
    items = await FeedbackItem.select(FeedbackItem.id).where(FeedbackItem.response == response_id)
    item_ids = [row["id"] for row in items] or [-1]
    tickets = await Ticket.select(
        Ticket.id,
        Ticket.status,
        Ticket.resolution,
        Ticket.department.name.as_alias("department"),
    ).where(
        Ticket.id.is_in(
            TicketFeedback.select(TicketFeedback.ticket).where(
                TicketFeedback.feedback_item.is_in(item_ids)
            )
        )
    )
    improvements = await Improvement.select(
        Improvement.title,
        Improvement.body,
        Improvement.published_at,
    ).where(
        (Improvement.status == "published")
        & Improvement.id.is_in(
            ImprovementTicket.select(ImprovementTicket.improvement).where(
                ImprovementTicket.ticket.is_in([t["id"] for t in tickets] or [-1])
            )
        )
    )
    if improvements:
        stage = "changed"
    elif tickets and all(t["status"] in ("resolved", "closed") for t in tickets):
        stage = (
            "no_change" if all(t["resolution"] != "with_action" for t in tickets) else "in_progress"
        )
    elif tickets:
        stage = "in_progress"
    else:
        stage = "received"
    return {
        "stage": stage,
        "departments": sorted({t["department"] for t in tickets}),
        "improvements": improvements,
        "comments": len(items),
    }


async def published_changes(location_slug: str | None = None) -> dict[str, Any]:
    location = None
    query = Improvement.select(
        Improvement.id,
        Improvement.title,
        Improvement.body,
        Improvement.change_date,
        Improvement.location.name.as_alias("location_name"),
    ).where(Improvement.status == "published")
    if location_slug:
        location = (
            await Location.select(Location.id, Location.name)
            .where(Location.slug == location_slug)
            .first()
        )
        if location is None:
            return {"location": None, "changes": [], "unknown": True}
        query = query.where(
            (Improvement.location == location["id"]) | Improvement.location.is_null()
        )
    changes = await query.order_by(Improvement.change_date, ascending=False).limit(100)
    for change in changes:
        tickets = ImprovementTicket.select(ImprovementTicket.ticket).where(
            ImprovementTicket.improvement == change["id"]
        )
        change["feedback_count"] = await TicketFeedback.count().where(
            TicketFeedback.ticket.is_in(tickets)
        )
    return {
        "location": location,
        "changes": changes,
        "unknown": False,
        "locations": await Location.select(Location.name, Location.slug).order_by(Location.name),
    }
