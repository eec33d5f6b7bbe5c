"""The sink the survey pages hand each finished response to: its comments become feedback."""

from __future__ import annotations

from typing import Any

from feedback.services.feedback_items import NewFeedback, item_columns
from feedback.services.routing import current_routing, plan_tickets
from feedback.tables import FeedbackItem
from integrations.crypto import KeyRing
from integrations.sql import InsertPlan, NewId
from surveys.sealed_text import FEEDBACK_TEXT, seal
from surveys.service import StoreFeedback, SubmittedResponse

NPS_SCALE = 10


async def take_survey_response(
    response: SubmittedResponse, base_url: str | None = None, keyring: KeyRing | None = None
) -> StoreFeedback:
    """Analyse the comments and read the routing now, before the response's transaction opens;
    the returned callable adds the items and their tickets to the plan that stores the
    response inside it. An identified patient's words are stored sealed
    (surveys.sealed_text); routing reads them in clear."""
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

    def store(plan: InsertPlan, response: NewId) -> None:
        if not items or routing is None:
            return
        rows = [{**item, "response": response} for item in items]
        refs = plan.insert(FeedbackItem, [_at_rest(row, keyring) for row in rows])
        planned = [{**row, "id": ref} for row, ref in zip(rows, refs, strict=True)]
        plan_tickets(plan, planned, base_url=base_url, routing=routing)

    return store


def _at_rest(row: dict[str, Any], keyring: KeyRing | None) -> dict[str, Any]:
    if row.get("patient") is None or keyring is None:
        return row
    crypto_id, sealed = seal(keyring, FEEDBACK_TEXT, row["text"])
    return {**row, "text": sealed, "crypto_id": crypto_id}
