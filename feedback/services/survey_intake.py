"""The sink the survey pages hand each finished response to: its comments become feedback."""

from __future__ import annotations

from feedback.services.feedback_items import NewFeedback, item_columns
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem
from integrations.sql import insert_rows
from surveys.service import SubmittedResponse

NPS_SCALE = 10


async def take_survey_response(response: SubmittedResponse, base_url: str | None = None) -> None:
    """Runs inside the response's transaction: the response and its feedback commit together."""
    items = [
        {
            **item_columns(
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
            ),
            "response": response.response_id,
            "question_key": comment.question_key,
        }
        for comment in response.comments
    ]
    if items:
        ids = await insert_rows(FeedbackItem, items)
        stored = [{**item, "id": item_id} for item, item_id in zip(items, ids, strict=True)]
        await open_tickets(stored, base_url=base_url)
