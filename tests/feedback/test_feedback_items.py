"""Stored feedback carries its analysis and analyzer version; rescore catches up in batches."""

from __future__ import annotations

import json

import pytest

from feedback.analysis import ANALYZER_VERSION
from feedback.services.feedback_items import FeedbackError, NewFeedback, record_feedback, rescore
from feedback.tables import FeedbackItem


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else value


async def test_recorded_feedback_is_stored_with_its_analysis(db):
    item_id = await record_feedback(
        NewFeedback(
            source="survey",
            text="Lovely nurses, but I was on hold for 45 minutes and then got a surprise bill.",
            question="What could we improve?",
        )
    )
    row = await FeedbackItem.select().where(FeedbackItem.id == item_id).first()
    assert row["analyzer_version"] == ANALYZER_VERSION
    assert row["sentiment"] in ("negative", "mixed")
    themes = {entry["theme"]: entry["sentiment"] for entry in _loaded(row["themes"])}
    assert themes.get("billing") == "negative"
    assert _loaded(row["explanation"]), "every stored score explains itself"
    assert row["analyzed_at"] is not None


async def test_bad_feedback_is_refused_and_nothing_is_stored(db):
    with pytest.raises(FeedbackError, match="source must be one of"):
        await record_feedback(NewFeedback(source="fax", text="hello"))
    with pytest.raises(FeedbackError, match="rating must be between 0 and 10"):
        await record_feedback(NewFeedback(source="api", text="ok", rating=11, rating_scale=10))
    assert await FeedbackItem.count() == 0


async def test_rescore_is_batched_and_resumable(db):
    texts = [
        "The doctor was wonderful.",
        "Waited four hours in the ER with no updates.",
        "Parking was impossible.",
        "Nothing to improve.",
        "My mother fell in the bathroom and no one came for an hour.",
    ]
    for text in texts:
        await record_feedback(NewFeedback(source="api", text=text))
    await FeedbackItem.update(
        {FeedbackItem.analyzer_version: "heuristic-0.1", FeedbackItem.sentiment: "neutral"},
        force=True,
    )

    first = await rescore(batch_size=2, limit=3)  # an interrupted run
    assert (first.rescored, first.remaining) == (3, 2)
    second = await rescore(batch_size=2)
    assert (second.rescored, second.remaining) == (2, 0)

    rows = await FeedbackItem.select(
        FeedbackItem.text,
        FeedbackItem.sentiment,
        FeedbackItem.urgent,
        FeedbackItem.analyzer_version,
    ).order_by(FeedbackItem.id)
    assert {row["analyzer_version"] for row in rows} == {ANALYZER_VERSION}
    assert rows[1]["sentiment"] == "negative"
    assert rows[4]["urgent"] is True
    assert (await rescore()).rescored == 0
