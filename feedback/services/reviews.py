"""Online reviews: sources admins configure per location, runs that collect them, and the
reviews themselves, stored once and turned into feedback items that are analysed and routed
like any other feedback.

A review is stored once per (source, identity): the site's own id, else a hash of its content.
Seen again unchanged it is counted as unchanged; seen edited, its item is re-analysed and the
tickets it opened get a timeline entry. Every review commits on its own with its item and its
tickets, so a failure part-way through a run loses nothing already stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from feedback.analysis import analyze
from feedback.logs import exception_summary, log_event
from feedback.services.feedback_items import NewFeedback, analysis_columns, build_item
from feedback.services.routing import open_tickets
from feedback.settings import Settings
from feedback.tables import (
    FeedbackItem,
    Review,
    ReviewRun,
    ReviewSource,
    TicketEvent,
    TicketFeedback,
)
from integrations.db_values import loaded
from integrations.reviews import (
    Collected,
    Fetcher,
    FetchError,
    FetchPolicy,
    ReviewFormatError,
    ReviewRecord,
    collect_google,
    collect_pages,
    collect_yelp,
    parse_review_csv,
    user_agent,
)
from surveys.tables import Location

KINDS = {
    "page": "Review pages (schema.org markup)",
    "google": "Google Business Profile",
    "yelp": "Yelp",
    "csv": "CSV upload",
}
# The parameters each kind needs, with the label admins see. Secrets come from settings.
KIND_FIELDS: dict[str, dict[str, str]] = {
    "page": {"start_url": "Address of the first page of reviews"},
    "google": {"account_id": "Google account id", "location_id": "Google location id"},
    "yelp": {"business_id": "Yelp business id or alias"},
    "csv": {},
}
RUN_LEASE = dt.timedelta(minutes=30)
MAX_PROBLEMS = 50
REVIEW_RATING_SCALE = 5


class ReviewSourceError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class ReviewConfig:
    """What a run needs from settings: how to fetch, and the API credentials."""

    policy: FetchPolicy
    google_token: str = ""
    google_api: str = "https://mybusiness.googleapis.com"
    yelp_key: str = ""
    yelp_api: str = "https://api.yelp.com"
    base_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewConfig:
        loopback = settings.review_fetch_allow_loopback
        policy = FetchPolicy(
            user_agent=user_agent("1.0", f"{settings.base_url}/you-said-we-did"),
            # Loopback has no certificate to check, so allowing it implies plain http.
            allow_http=settings.is_development or loopback,
            allow_loopback=loopback,
            host_interval=float(settings.review_host_interval_seconds),
        )
        return cls(
            policy=policy,
            google_token=settings.google_business_token,
            google_api=settings.google_business_api_url,
            yelp_key=settings.yelp_api_key,
            yelp_api=settings.yelp_api_url,
            base_url=settings.base_url,
        )


@dataclass
class RunSummary:
    source_id: int
    run_id: int
    status: str = "running"
    pages: int = 0
    fetched: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- sources -----------------------------------------------------------------------------


def check_source(
    name: str, kind: str, location_id: int | None, params: dict[str, str], interval_hours: int
) -> dict[str, Any]:
    """The cleaned parameters of a source, or every problem with the form at once."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Give the source a name admins will recognise."
    if kind not in KINDS:
        errors["kind"] = "Choose what kind of source this is."
    if location_id is None:
        errors["location"] = "Choose the location these reviews are about."
    if not 1 <= interval_hours <= 24 * 30:
        errors["interval_hours"] = "Collect at least once a month and at most once an hour."
    cleaned: dict[str, str] = {}
    for field, label in KIND_FIELDS.get(kind, {}).items():
        value = (params.get(field) or "").strip()
        if not value:
            errors[field] = f"{label} is required."
        elif field == "start_url" and not value.startswith(("https://", "http://")):
            errors[field] = "Give the full address, starting with https://."
        cleaned[field] = value[:500]
    if errors:
        raise ReviewSourceError(errors)
    return cleaned


async def add_source(
    name: str, kind: str, location_id: int | None, params: dict[str, str], interval_hours: int
) -> int:
    cleaned = check_source(name, kind, location_id, params, interval_hours)
    if not await Location.exists().where(Location.id == location_id):
        raise ReviewSourceError({"location": "That location does not exist."})
    rows = await ReviewSource.insert(
        ReviewSource(
            name=name.strip()[:120],
            kind=kind,
            location=location_id,
            settings=cleaned,
            interval_hours=interval_hours,
            # A CSV source is never scheduled: its reviews arrive by upload.
            next_run_at=None if kind == "csv" else _now(),
        )
    ).returning(ReviewSource.id)
    return rows[0]["id"]


async def set_source_enabled(source_id: int, enabled: bool) -> None:
    await ReviewSource.update({ReviewSource.enabled: enabled}).where(ReviewSource.id == source_id)


async def list_sources() -> list[dict[str, Any]]:
    sources = await ReviewSource.select(
        ReviewSource.all_columns(), ReviewSource.location.name.as_alias("location_name")
    ).order_by(ReviewSource.name)
    for source in sources:
        source["kind_label"] = KINDS.get(source["kind"], source["kind"])
        source["settings"] = loaded(source["settings"]) or {}
        last = await (
            ReviewRun.select()
            .where(ReviewRun.source == source["id"])
            .order_by(ReviewRun.id, ascending=False)
            .first()
        )
        source["last_run"] = _decoded_run(last) if last else None
        source["reviews"] = await Review.count().where(Review.source == source["id"])
    return sources


async def get_source(source_id: int) -> dict[str, Any] | None:
    source = await (
        ReviewSource.select(
            ReviewSource.all_columns(), ReviewSource.location.name.as_alias("location_name")
        )
        .where(ReviewSource.id == source_id)
        .first()
    )
    if source:
        source["kind_label"] = KINDS.get(source["kind"], source["kind"])
        source["settings"] = loaded(source["settings"]) or {}
    return source


async def source_runs(source_id: int, limit: int = 20) -> list[dict[str, Any]]:
    rows = await (
        ReviewRun.select()
        .where(ReviewRun.source == source_id)
        .order_by(ReviewRun.id, ascending=False)
        .limit(limit)
    )
    return [_decoded_run(row) for row in rows]


def _decoded_run(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "problems": loaded(row["problems"]) or []}


# --- runs ---------------------------------------------------------------------------------


async def claim_source(source_id: int, now: dt.datetime | None = None) -> bool:
    """Take the source's lease (a conditional UPDATE), so one scheduler runs it at a time."""
    now = now or _now()
    rows = await (
        ReviewSource.update({ReviewSource.leased_until: now + RUN_LEASE})
        .where(
            (ReviewSource.id == source_id)
            & (ReviewSource.leased_until.is_null() | (ReviewSource.leased_until < now))
        )
        .returning(ReviewSource.id)
    )
    return bool(rows)


async def run_due_sources(config: ReviewConfig, now: dt.datetime | None = None) -> list[RunSummary]:
    """The scheduler's job: every enabled source whose time has come, one run each. Sources
    share one fetcher, so robots.txt answers and per-host spacing hold across them."""
    now = now or _now()
    due = await ReviewSource.select(ReviewSource.id).where(
        (ReviewSource.enabled == True)  # noqa: E712
        & (ReviewSource.kind != "csv")
        & ReviewSource.next_run_at.is_not_null()
        & (ReviewSource.next_run_at <= now)
    )
    summaries = []
    async with Fetcher(config.policy) as fetcher:
        for row in due:
            summary = await run_source(row["id"], config, trigger="schedule", fetcher=fetcher)
            if summary is not None:
                summaries.append(summary)
    return summaries


async def run_source(
    source_id: int, config: ReviewConfig, *, trigger: str, fetcher: Fetcher | None = None
) -> RunSummary | None:
    """Collect one source now. None when another process holds its lease. A failing source
    records a failed run and returns; it never raises into the caller's loop of sources."""
    source = await get_source(source_id)
    if source is None or source["kind"] == "csv" or not await claim_source(source_id):
        return None
    summary = await _start_run(source_id, trigger)
    try:
        if fetcher is None:
            async with Fetcher(config.policy) as own_fetcher:
                collected = await _collect(source, config, own_fetcher)
        else:
            collected = await _collect(source, config, fetcher)
        summary.pages = collected.pages
        summary.problems.extend(collected.problems)
        await _store_all(source, collected.reviews, summary, config)
        await _finish_run(summary, collected)
    except (FetchError, ReviewFormatError) as exc:
        summary.problems.append(str(exc))
        await _finish_run(summary, None, failed=True)
    except Exception as exc:
        log_event("review_run_failed", logging.ERROR, source=source_id, **exception_summary(exc))
        summary.problems.append(f"unexpected error ({type(exc).__name__}); see the server log")
        await _finish_run(summary, None, failed=True)
    finally:
        interval = dt.timedelta(hours=source["interval_hours"])
        await ReviewSource.update(
            {ReviewSource.leased_until: None, ReviewSource.next_run_at: _now() + interval}
        ).where(ReviewSource.id == source_id)
    return summary


async def import_csv(source_id: int, data: bytes, config: ReviewConfig) -> RunSummary:
    """An uploaded file: all rows are checked first, and a file with any problem stores
    nothing (the errors say which row and column)."""
    source = await get_source(source_id)
    if source is None:
        raise ReviewSourceError({"source": "That review source does not exist."})
    records = parse_review_csv(data)  # raises ReviewCsvError, nothing stored yet
    summary = await _start_run(source_id, "upload")
    summary.pages = 1
    await _store_all(source, records, summary, config)
    await _finish_run(summary, None)
    return summary


async def _collect(source: dict[str, Any], config: ReviewConfig, fetcher: Fetcher) -> Collected:
    params = source["settings"]
    if source["kind"] == "page":
        return await collect_pages(fetcher, params["start_url"])
    if source["kind"] == "google":
        return await collect_google(
            fetcher,
            account_id=params["account_id"],
            location_id=params["location_id"],
            token=config.google_token,
            api_base=config.google_api,
        )
    if source["kind"] == "yelp":
        return await collect_yelp(
            fetcher,
            business_id=params["business_id"],
            api_key=config.yelp_key,
            api_base=config.yelp_api,
        )
    raise FetchError(f"unknown source kind {source['kind']!r}")


async def _start_run(source_id: int, trigger: str) -> RunSummary:
    rows = await ReviewRun.insert(
        ReviewRun(source=source_id, trigger=trigger, started_at=_now())
    ).returning(ReviewRun.id)
    return RunSummary(source_id=source_id, run_id=rows[0]["id"])


async def _finish_run(
    summary: RunSummary, collected: Collected | None, *, failed: bool = False
) -> None:
    if failed:
        summary.status = "failed"
    elif summary.failed or summary.problems:
        summary.status = "partial"
    else:
        summary.status = "ok"
    aggregate = collected.aggregate if collected else None
    await ReviewRun.update(
        {
            ReviewRun.status: summary.status,
            ReviewRun.finished_at: _now(),
            ReviewRun.pages: summary.pages,
            ReviewRun.fetched: summary.fetched,
            ReviewRun.added: summary.added,
            ReviewRun.updated: summary.updated,
            ReviewRun.unchanged: summary.unchanged,
            ReviewRun.failed: summary.failed,
            ReviewRun.problems: summary.problems[:MAX_PROBLEMS],
            ReviewRun.aggregate_rating: aggregate.rating if aggregate else None,
            ReviewRun.aggregate_count: aggregate.count if aggregate else None,
        }
    ).where(ReviewRun.id == summary.run_id)


# --- storing --------------------------------------------------------------------------------


def edit_hash(record: ReviewRecord) -> str:
    """What makes a stored review "edited": its words, its title or its rating changed."""
    rating = "" if record.rating is None else f"{record.rating:.2f}"
    text = " ".join(record.text.split())
    return hashlib.sha256(f"{rating}\n{record.title.strip()}\n{text}".encode()).hexdigest()


async def _store_all(
    source: dict[str, Any], records: list[ReviewRecord], summary: RunSummary, config: ReviewConfig
) -> None:
    summary.fetched += len(records)
    for record in records:
        try:
            outcome = await store_review(source, record, base_url=config.base_url)
        except Exception as exc:
            log_event(
                "review_store_failed", logging.ERROR, source=source["id"], **exception_summary(exc)
            )
            summary.failed += 1
            if len(summary.problems) < MAX_PROBLEMS:
                summary.problems.append(f"one review could not be stored ({type(exc).__name__})")
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)


async def store_review(
    source: dict[str, Any], record: ReviewRecord, *, base_url: str | None = None
) -> str:
    """Store one review: "added", "updated" or "unchanged". Runs in its own transaction."""
    key = f"{source['id']}:{record.identity}"
    digest = edit_hash(record)
    async with Review._meta.db.transaction():
        existing = (
            await Review.select(Review.id, Review.content_hash)
            .where(Review.source_key == key)
            .first()
        )
        if existing is None:
            await _add_review(source, record, key, digest, base_url)
            return "added"
        if existing["content_hash"] == digest:
            return "unchanged"
        await _update_review(existing["id"], record, digest, base_url)
        return "updated"


def _review_text(record: ReviewRecord) -> str:
    # The title often carries the point ("Never again"), so it is analysed with the body.
    if record.title and not record.text.startswith(record.title):
        return f"{record.title}. {record.text}".strip()
    return record.text


def _rating_columns(record: ReviewRecord) -> tuple[int | None, int | None]:
    if record.rating is None:
        return None, None
    return round(record.rating), REVIEW_RATING_SCALE


async def _add_review(
    source: dict[str, Any], record: ReviewRecord, key: str, digest: str, base_url: str | None
) -> None:
    rows = await Review.insert(
        Review(
            source=source["id"],
            source_key=key,
            rating=record.rating,
            author=record.author[:200],
            title=record.title[:300],
            url=record.url[:2000],
            published_at=record.published_at,
            content_hash=digest,
            first_seen_at=_now(),
        )
    ).returning(Review.id)
    rating, scale = _rating_columns(record)
    item = build_item(
        NewFeedback(
            source="review",
            text=_review_text(record),
            rating=rating,
            rating_scale=scale,
            location_id=source["location"],
            received_at=record.published_at or _now(),
        )
    )
    item.review = rows[0]["id"]
    inserted = await FeedbackItem.insert(item).returning(FeedbackItem.id)
    await open_tickets([{**item.to_dict(), "id": inserted[0]["id"]}], base_url=base_url)


async def _update_review(
    review_id: int, record: ReviewRecord, digest: str, base_url: str | None
) -> None:
    now = _now()
    await Review.update(
        {
            Review.rating: record.rating,
            Review.title: record.title[:300],
            Review.url: record.url[:2000],
            Review.content_hash: digest,
            Review.updated_at: now,
        }
    ).where(Review.id == review_id)
    text = _review_text(record)
    rating, scale = _rating_columns(record)
    item = await FeedbackItem.select().where(FeedbackItem.review == review_id).first()
    if item is None:
        return
    changes = {"text": text, "rating": rating, "rating_scale": scale}
    changes |= analysis_columns(analyze(text))
    await FeedbackItem.update(changes).where(FeedbackItem.id == item["id"])
    tickets = await TicketFeedback.select(TicketFeedback.ticket).where(
        TicketFeedback.feedback_item == item["id"]
    )
    for row in tickets:
        await TicketEvent.insert(
            TicketEvent(
                ticket=row["ticket"],
                kind="review_edited",
                detail={"feedback": item["id"], "sentiment": changes["sentiment"]},
                created_at=now,
            )
        )
    if not tickets:
        # An edit can turn praise into a complaint: route it now, as if it had just arrived.
        await open_tickets([{**item, **changes}], base_url=base_url)


# --- replies ----------------------------------------------------------------------------------


async def review_details(item_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The public review behind each of these feedback items (those that came from one)."""
    if not item_ids:
        return {}
    rows = await FeedbackItem.select(
        FeedbackItem.id,
        FeedbackItem.review.id.as_alias("review_id"),
        FeedbackItem.review.author.as_alias("author"),
        FeedbackItem.review.title.as_alias("title"),
        FeedbackItem.review.url.as_alias("url"),
        FeedbackItem.review.rating.as_alias("review_rating"),
        FeedbackItem.review.reply_draft.as_alias("reply_draft"),
        FeedbackItem.review.source.name.as_alias("source_name"),
    ).where(FeedbackItem.id.is_in(item_ids) & FeedbackItem.review.is_not_null())
    return {row.pop("id"): row for row in rows}


async def store_reply_draft(item_id: int, text: str) -> None:
    """Keep a lead's reply draft on the review (checked by the caller; never published)."""
    details = await review_details([item_id])
    if item_id not in details:
        raise ReviewSourceError({"reply": "Only public reviews can be answered."})
    await Review.update({Review.reply_draft: text.strip(), Review.reply_updated_at: _now()}).where(
        Review.id == details[item_id]["review_id"]
    )
