"""The sink the survey pages hand each finished response to: its comments become feedback."""

from __future__ import annotations

from feedback.services.feedback_items import NewFeedback, item_columns
from feedback.services.routing import current_routing, open_tickets
from feedback.tables import FeedbackItem
from integrations.sql import insert_rows
from surveys.service import StoreFeedback, SubmittedResponse

NPS_SCALE = 10


async def take_survey_response(
    response: SubmittedResponse, base_url: str | None = None
) -> StoreFeedback:
    """Analyse the comments and read the routing now, before the response's transaction opens;
    the returned callable stores the items and their tickets inside it."""
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
            "question_key": comment.question_key,
        }
        for comment in response.comments
    ]
    routing = await current_routing() if items else None

    async def store(response_id: int) -> None:
        if not items:
            return
        rows = [{**item, "response": response_id} for item in items]
        ids = await insert_rows(FeedbackItem, rows)
        stored = [{**row, "id": item_id} for row, item_id in zip(rows, ids, strict=True)]
        await open_tickets(stored, base_url=base_url, routing=routing)

    return store
