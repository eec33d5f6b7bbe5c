"""Reading feedback for staff, always within what the viewer may see (DESIGN.md §6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from feedback.auth.roles import CurrentStaff
from feedback.kudos import staff_mentions
from feedback.tables import FeedbackItem
from integrations.crypto import KeyRing
from integrations.db_values import aware, loaded
from integrations.spreadsheet import csv_safe
from surveys.sealed_text import opened_text

PAGE_SIZE = 25
SENTIMENTS = ("negative", "mixed", "neutral", "positive")


class NotVisible(LookupError):
    """The item does not exist or is outside the viewer's department (never say which)."""


@dataclass(frozen=True)
class FeedbackFilters:
    sentiment: str | None = None
    source: str | None = None
    urgent: bool = False
    page: int = 1

    @classmethod
    def parse(
        cls, sentiment: str | None, source: str | None, urgent: str | None, page: str | None
    ) -> FeedbackFilters:
        number = int(page) if page and page.isdigit() and int(page) > 0 else 1
        return cls(
            sentiment=sentiment if sentiment in SENTIMENTS else None,
            source=source if source in ("survey", "review", "api", "staff") else None,
            urgent=urgent == "1",
            page=number,
        )


@dataclass(frozen=True)
class FeedbackPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def feedback_columns():  # type: ignore[no-untyped-def]
    return (
        FeedbackItem.id,
        FeedbackItem.source,
        FeedbackItem.text,
        FeedbackItem.crypto_id,
        FeedbackItem.rating,
        FeedbackItem.rating_scale,
        FeedbackItem.language,
        FeedbackItem.sentiment,
        FeedbackItem.polarity,
        FeedbackItem.themes,
        FeedbackItem.urgent,
        FeedbackItem.urgent_reasons,
        FeedbackItem.explanation,
        FeedbackItem.analyzer_version,
        FeedbackItem.received_at,
        FeedbackItem.question_key,
        FeedbackItem.department.id.as_alias("department_id"),
        FeedbackItem.department.name.as_alias("department_name"),
        FeedbackItem.location.name.as_alias("location_name"),
    )


def _scoped(query, viewer: CurrentStaff):  # type: ignore[no-untyped-def]
    scope = viewer.department_scope()
    return query if scope is None else query.where(FeedbackItem.department == scope)


async def list_feedback(
    viewer: CurrentStaff, filters: FeedbackFilters, keyring: KeyRing
) -> FeedbackPage:
    conditions = []
    if filters.sentiment:
        conditions.append(FeedbackItem.sentiment == filters.sentiment)
    if filters.source:
        conditions.append(FeedbackItem.source == filters.source)
    if filters.urgent:
        conditions.append(FeedbackItem.urgent == True)  # noqa: E712
    count_query = _scoped(FeedbackItem.count(), viewer)
    select = _scoped(FeedbackItem.select(*feedback_columns()), viewer)
    for condition in conditions:
        count_query = count_query.where(condition)
        select = select.where(condition)
    total = await count_query
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    rows = await (
        select.order_by(FeedbackItem.received_at, ascending=False)
        .order_by(FeedbackItem.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return FeedbackPage(
        items=[decoded_feedback(row, keyring) for row in rows],
        total=total,
        page=page,
        pages=pages,
    )


async def get_feedback(viewer: CurrentStaff, item_id: int, keyring: KeyRing) -> dict[str, Any]:
    row = await _scoped(
        FeedbackItem.select(*feedback_columns()).where(FeedbackItem.id == item_id), viewer
    ).first()
    if row is None:
        raise NotVisible(item_id)
    return decoded_feedback(row, keyring)


def decoded_feedback(row: dict[str, Any], keyring: KeyRing) -> dict[str, Any]:
    """A row selected with feedback_columns(), its text opened and its JSON decoded."""
    row["text"] = opened_text(keyring, row)
    for key in ("themes", "urgent_reasons", "explanation"):
        row[key] = loaded(row[key] or "[]")
    row["received_at"] = aware(row["received_at"])
    return row


KUDOS_LIMIT = 100


async def kudos(viewer: CurrentStaff, since: dt.datetime, keyring: KeyRing) -> list[dict[str, Any]]:
    """Recent praise within the viewer's scope; comments that name staff come first."""
    rows = await (
        _scoped(FeedbackItem.select(*feedback_columns()), viewer)
        .where((FeedbackItem.sentiment == "positive") & (FeedbackItem.received_at >= since))
        .order_by(FeedbackItem.received_at, ascending=False)
        .limit(KUDOS_LIMIT)
    )
    items = [decoded_feedback(row, keyring) for row in rows]
    for item in items:
        item["mentions"] = staff_mentions(item["text"])
    return sorted(items, key=lambda item: not item["mentions"])


EXPORT_BATCH = 1000
EXPORT_COLUMNS = (
    "id",
    "received_at",
    "source",
    "channel",
    "department",
    "location",
    "language",
    "rating",
    "sentiment",
    "polarity",
    "themes",
    "urgent",
    "urgent_reasons",
    "analyzer_version",
    "text",
)


async def export_rows(viewer: CurrentStaff, filters: FeedbackFilters, keyring: KeyRing):  # type: ignore[no-untyped-def]
    """Every piece of feedback the viewer may see, matching the filters, as CSV cells, read in
    batches (keyset, not offset) so memory stays flat on a large table."""
    last_id = 0
    while True:
        query = _scoped(
            FeedbackItem.select(*feedback_columns(), FeedbackItem.channel), viewer
        ).where(FeedbackItem.id > last_id)
        if filters.sentiment:
            query = query.where(FeedbackItem.sentiment == filters.sentiment)
        if filters.source:
            query = query.where(FeedbackItem.source == filters.source)
        if filters.urgent:
            query = query.where(FeedbackItem.urgent == True)  # noqa: E712
        rows = await query.order_by(FeedbackItem.id).limit(EXPORT_BATCH)
        if not rows:
            return
        for row in (decoded_feedback(row, keyring) for row in rows):
            yield [
                csv_safe(value)
                for value in (
                    row["id"],
                    row["received_at"].isoformat(),
                    row["source"],
                    row["channel"],
                    row["department_name"] or "",
                    row["location_name"] or "",
                    row["language"],
                    "" if row["rating"] is None else row["rating"],
                    row["sentiment"],
                    row["polarity"],
                    "; ".join(f"{t['theme']}:{t['sentiment']}" for t in row["themes"]),
                    "yes" if row["urgent"] else "no",
                    "; ".join(row["urgent_reasons"]),
                    row["analyzer_version"],
                    row["text"],
                )
            ]
        last_id = rows[-1]["id"]
