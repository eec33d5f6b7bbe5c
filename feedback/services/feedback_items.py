"""Feedback items: every item is stored with its analysis and the analyzer's version."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from feedback.analysis import ANALYZER_VERSION, Analysis, analyze
from feedback.auth.roles import CurrentStaff, Role
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem
from integrations.crypto import KeyRing
from surveys.sealed_text import opened_text
from surveys.tables import Department, Location

SOURCES = ("survey", "review", "api", "staff")
STAFF_CHANNELS = {
    "phone": "Phone call",
    "front_desk": "Front desk",
    "portal": "Patient portal message",
    "focus_group": "Focus group notes",
    "letter": "Letter or email",
}
MAX_TEXT = 10_000
MAX_ROW_ID = 2**31 - 1
RESCORE_BATCH = 500


class FeedbackError(ValueError):
    pass


@dataclass(frozen=True)
class NewFeedback:
    source: str
    text: str
    question: str | None = None
    rating: int | None = None
    rating_scale: int | None = None
    location_id: int | None = None
    department_id: int | None = None
    visit_id: int | None = None
    patient_id: int | None = None
    received_at: dt.datetime | None = None
    channel: str = ""


def analysis_columns(analysis: Analysis) -> dict[str, Any]:
    """The FeedbackItem column values that hold one analysis."""
    return {
        "language": analysis.language,
        "sentiment": analysis.sentiment,
        "polarity": analysis.polarity,
        "themes": [{"theme": t.theme, "sentiment": t.sentiment} for t in analysis.themes],
        "urgent": analysis.urgent,
        "urgent_reasons": list(analysis.urgent_reasons),
        "explanation": list(analysis.explanation),
        "analyzer_version": analysis.analyzer,
        "analyzed_at": dt.datetime.now(dt.UTC),
    }


def item_columns(new: NewFeedback) -> dict[str, Any]:
    """The checked and analysed column values of a new item, as a plain dict: what hot paths
    (survey submissions, imports) hand to `insert_rows`, skipping Piccolo's Table instances."""
    if new.source not in SOURCES:
        raise FeedbackError(f"source must be one of {', '.join(SOURCES)}")
    if (
        new.rating is not None
        and new.rating_scale is not None
        and not (0 <= new.rating <= new.rating_scale)
    ):
        raise FeedbackError(f"rating must be between 0 and {new.rating_scale}")
    return {
        "source": new.source,
        "text": new.text,
        "rating": new.rating,
        "rating_scale": new.rating_scale,
        "location": new.location_id,
        "department": new.department_id,
        "visit": new.visit_id,
        "patient": new.patient_id,
        "received_at": new.received_at or dt.datetime.now(dt.UTC),
        "channel": new.channel,
        **analysis_columns(analyze(new.text, new.question)),
    }


def build_item(new: NewFeedback) -> FeedbackItem:
    """An analysed, unsaved item; callers insert it inside their own transaction."""
    return FeedbackItem(**item_columns(new))


async def record_feedback(new: NewFeedback) -> int:
    rows = await FeedbackItem.insert(build_item(new)).returning(FeedbackItem.id)
    return rows[0]["id"]


@dataclass(frozen=True)
class RescoreProgress:
    rescored: int
    remaining: int


async def rescore(
    batch_size: int = RESCORE_BATCH, limit: int | None = None, keyring: KeyRing | None = None
) -> RescoreProgress:
    """Re-analyse items scored by another analyzer version, a committed batch at a time.

    Resumable by construction: an item leaves the work list as soon as its batch commits, so
    an interrupted run picks up where it stopped. Items are walked by id (keyset), never by
    offset, so the cost per batch stays flat on a large table. Sealed texts (identified
    patients) need the keyring to be read; without one they are left for a run that has it.
    """
    rescored = 0
    last_id = 0
    while limit is None or rescored < limit:
        size = batch_size if limit is None else min(batch_size, limit - rescored)
        query = FeedbackItem.select(
            FeedbackItem.id, FeedbackItem.text, FeedbackItem.crypto_id
        ).where((FeedbackItem.analyzer_version != ANALYZER_VERSION) & (FeedbackItem.id > last_id))
        if keyring is None:
            query = query.where(FeedbackItem.crypto_id == "")
        rows = await query.order_by(FeedbackItem.id).limit(size)
        if not rows:
            break
        async with FeedbackItem._meta.db.transaction():
            for row in rows:
                # Survey questions are not linked yet; the comment alone is analysed.
                text = opened_text(keyring, row) if keyring else row["text"]
                await FeedbackItem.update(analysis_columns(analyze(text))).where(
                    FeedbackItem.id == row["id"]
                )
        rescored += len(rows)
        last_id = rows[-1]["id"]
    remaining = await FeedbackItem.count().where(FeedbackItem.analyzer_version != ANALYZER_VERSION)
    return RescoreProgress(rescored=rescored, remaining=remaining)


class NotAllowed(FeedbackError):
    pass


async def enter_staff_feedback(
    viewer: CurrentStaff, new: NewFeedback, *, base_url: str | None = None
) -> tuple[int, list[int]]:
    """Feedback staff received by phone, at the desk, in the portal or a focus group: checked,
    analysed and routed like any other, in one transaction. Leads and staff record it for
    their own department; executives read feedback but do not enter it."""
    if viewer.role is Role.EXECUTIVE:
        raise NotAllowed("Executives read feedback; they do not enter it.")
    if viewer.department_scope() is not None:
        new = dataclasses.replace(new, department_id=viewer.department_id)
    errors = {}
    if not new.text.strip():
        errors["text"] = "Write what the patient said."
    elif len(new.text) > MAX_TEXT:
        errors["text"] = f"Keep it under {MAX_TEXT} characters."
    elif "\x00" in new.text:
        # PostgreSQL cannot store a NUL character in text; say so rather than fail on insert.
        errors["text"] = "Remove the NUL (\\0) character; it cannot be stored."
    if new.channel not in STAFF_CHANNELS:
        errors["channel"] = "Choose how the feedback was received."
    # A missing department or location would break a foreign key on insert: name the field.
    if new.department_id is not None and not await _row_exists(Department, new.department_id):
        errors["department_id"] = "There is no such department."
    if new.location_id is not None and not await _row_exists(Location, new.location_id):
        errors["location_id"] = "There is no such location."
    if errors:
        raise FeedbackFieldErrors(errors)
    item = build_item(new)
    async with FeedbackItem._meta.db.transaction():
        rows = await FeedbackItem.insert(item).returning(FeedbackItem.id)
        item_id = rows[0]["id"]
        tickets = await open_tickets([{**item.to_dict(), "id": item_id}], base_url=base_url)
    return item_id, tickets


async def _row_exists(table: type[Department] | type[Location], row_id: int) -> bool:
    # Ids are 32-bit serials: a larger number names no row, and would overflow the driver.
    if not 1 <= row_id <= MAX_ROW_ID:
        return False
    return await table.exists().where(table.id == row_id)


class FeedbackFieldErrors(FeedbackError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
