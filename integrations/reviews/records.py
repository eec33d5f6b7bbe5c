"""Plain records every review source returns. Nothing here knows about feedback items or
tickets: the feedback floor turns these into its own rows."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from urllib.parse import urldefrag

# A review longer than this is an essay pasted by mistake or an attack; the start is enough.
MAX_TEXT_CHARS = 20_000
_CONTROL_TO_SPACE = {code: " " for code in [*range(32), 127]}


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """One public review as a source published it.

    `external_id` is the site's own id when it gives one; otherwise `identity` falls back to
    a hash of what the review says, so the same review seen twice is stored once.
    `rating` is normalised to a 1-5 scale (None when the review has no rating).
    `author` is the display name the site shows, never linked to a patient.
    """

    text: str
    rating: float | None = None
    author: str = ""
    published_at: datetime | None = None
    url: str = ""
    external_id: str = ""
    title: str = ""
    language: str = ""

    @property
    def identity(self) -> str:
        if self.external_id:
            return "id:" + self.external_id[:180]
        return "sha256:" + content_hash(self.author, self.published_at, self.text)


def content_hash(author: str, published_at: datetime | None, text: str) -> str:
    """A review's fingerprint when its site gives no id. The text is normalised for spacing
    and case so re-rendered markup does not make the same review look new; an edited text
    does look new, which is the price of having no id."""
    day = published_at.date().isoformat() if published_at else ""
    normalised = " ".join(text.split()).casefold()
    digest = hashlib.sha256(f"{author.strip().casefold()}\n{day}\n{normalised}".encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class AggregateRating:
    """A site's summary of all reviews of a place, normalised to a 1-5 scale."""

    rating: float
    count: int | None = None


@dataclass(slots=True)
class PageReviews:
    """What one fetched page yielded: its reviews, the summary rating if it had one, the
    links to further pages of the same listing, and problems worth reporting (malformed
    blocks are skipped, not fatal)."""

    reviews: list[ReviewRecord] = field(default_factory=list)
    aggregate: AggregateRating | None = None
    next_pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def normalise_rating(value: object, best: object = None, worst: object = None) -> float | None:
    """A rating on any scale the page declares (schema.org defaults: best 5, worst 1) mapped
    onto 1-5, or None when it is not a number or outside its own scale."""
    try:
        rating = float(str(value).strip().replace(",", "."))
        high = float(str(best).strip()) if best not in (None, "") else 5.0
        low = float(str(worst).strip()) if worst not in (None, "") else 1.0
    except (TypeError, ValueError):
        return None
    if high <= low or not low <= rating <= high:
        return None
    return round(1 + 4 * (rating - low) / (high - low), 2)


def clean_text(value: object, limit: int = MAX_TEXT_CHARS) -> str:
    """Text as a reader sees it: markup spacing, tabs and newlines collapsed to single spaces,
    cut to `limit` characters so one huge block cannot swamp analysis or storage."""
    if not isinstance(value, str):
        return ""
    # Control characters (NUL above all, which PostgreSQL text refuses) are read as spaces.
    return " ".join(value.translate(_CONTROL_TO_SPACE).split())[:limit].rstrip()


def parse_timestamp(value: object, default_tz: tzinfo = UTC) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime, or None when it is not one.

    A bare date means midnight; a time without an offset is read in `default_tz` (UTC unless
    the source documents otherwise), so every timestamp compares with every other. The
    offset given is kept (not converted to UTC) so the review's local day, which
    `content_hash` uses, stays the day the site shows."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def dedupe_reviews(records: list[ReviewRecord]) -> list[ReviewRecord]:
    """One record per review, in first-seen order. The same review seen twice (marked up in
    both JSON-LD and microdata, say) is matched by identity, or by content when only one of
    the two carries an id; the first seen wins and the other only fills its gaps. Ids are
    trusted: pass each source's records through `drop_false_ids` first."""
    kept: list[ReviewRecord] = []
    by_identity: dict[str, int] = {}
    by_content: dict[str, int] = {}
    for record in records:
        digest = content_hash(record.author, record.published_at, record.text)
        index = by_identity.get(record.identity)
        other = by_content.get(digest)
        # Content alone never merges two reviews that each carry their own id.
        both_have_ids = other is not None and record.external_id and kept[other].external_id
        if index is None and other is not None and not both_have_ids:
            index = other
        if index is None:
            index = len(kept)
            kept.append(record)
        else:
            kept[index] = _fill_gaps(kept[index], record)
        by_identity.setdefault(kept[index].identity, index)
        by_content.setdefault(digest, index)
    return kept


def drop_false_ids(records: list[ReviewRecord], listing_url: str = "") -> list[ReviewRecord]:
    """Records from one source without the ids that are not ids. Pages often give every
    review the listing's own URL as `url`, and trusting it would merge distinct reviews into
    one; an id shared within one source by reviews that say different things is dropped for
    the same reason. (Across sources a shared id does mean the same review: one copy may be
    cut short with "Read more".)"""
    listing = urldefrag(listing_url).url if listing_url else ""
    contents: dict[str, set[str]] = defaultdict(set)
    for record in records:
        contents[record.external_id].add(
            content_hash(record.author, record.published_at, record.text)
        )
    return [
        replace(record, external_id="")
        if record.external_id
        and (record.external_id == listing or len(contents[record.external_id]) > 1)
        else record
        for record in records
    ]


def _fill_gaps(first: ReviewRecord, second: ReviewRecord) -> ReviewRecord:
    gaps = {
        name: getattr(second, name)
        for name in ("rating", "author", "published_at", "url", "external_id", "title", "language")
        if getattr(first, name) in (None, "") and getattr(second, name) not in (None, "")
    }
    return replace(first, **gaps) if gaps else first
