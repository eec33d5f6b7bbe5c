"""The sink the survey pages hand each finished response to: its comments become feedback."""

from __future__ import annotations

from feedback.services.feedback_items import NewFeedback, build_item
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem
from surveys.service import SubmittedResponse

NPS_SCALE = 10


async def take_survey_response(response: SubmittedResponse, base_url: str | None = None) -> None:
    """Runs inside the response's transaction: the response and its feedback commit together."""
    items = []
    for comment in response.comments:
        item = build_item(
            NewFeedback(
                source="survey",
                text=comment.text,
                question=comment.analysis_question,
                rating=response.recommend_score,
                rating_scale=NPS_SCALE if response.recommend_score is not None else None,
                location_id=response.location_id,
                department_id=response.department_id,
                visit_id=response.visit_id,
                patient_id=response.patient_id,
                received_at=response.submitted_at,
            )
        )
        item.response = response.response_id
        item.question_key = comment.question_key
        items.append(item)
    if items:
        rows = await FeedbackItem.insert(*items).returning(FeedbackItem.id)
        stored = [
            {**item.to_dict(), "id": row["id"]} for item, row in zip(items, rows, strict=True)
        ]
        await open_tickets(stored, base_url=base_url)
