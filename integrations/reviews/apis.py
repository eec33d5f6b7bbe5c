"""Reviews from review-site APIs, read from the JSON those APIs document. Pure: the fetcher
does the HTTP and hands the decoded body here.

A payload of the wrong shape (the API changed, or an error body was passed on as if it were
a result) raises `ReviewFormatError`, since nothing in it can be trusted. A single malformed
review is skipped and noted in `problems`, which name the review by position, never by text.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from integrations.reviews.records import (
    AggregateRating,
    PageReviews,
    ReviewRecord,
    clean_text,
    normalise_rating,
    parse_timestamp,
)

GOOGLE_STARS = {"ONE": 1.0, "TWO": 2.0, "THREE": 3.0, "FOUR": 4.0, "FIVE": 5.0}
GOOGLE_TRANSLATED = "(Translated by Google)"
GOOGLE_ORIGINAL = "(Original)"
# Yelp documents `time_created` as Pacific time without an offset.
YELP_TIMEZONE = "America/Los_Angeles"
MAX_AUTHOR_CHARS = 200


class ReviewFormatError(ValueError):
    """The API's response is not the shape its documentation describes."""


def parse_google_reviews(payload: dict) -> tuple[PageReviews, str | None]:
    """A Google Business Profile `accounts.locations.reviews.list` response (API v4): its
    reviews, the location's average rating, and the token for the next page (None on the
    last page)."""
    entries = _review_list(payload, "Google Business Profile")
    page = PageReviews(aggregate=_google_aggregate(payload))
    for number, entry in enumerate(entries, start=1):
        record = _google_review(entry, number, page.problems)
        if record is not None:
            page.reviews.append(record)
    token = payload.get("nextPageToken")
    return page, token if isinstance(token, str) and token.strip() else None


def parse_yelp_reviews(payload: dict) -> PageReviews:
    """A Yelp Fusion `GET /v3/businesses/{id}/reviews` response. Yelp returns only excerpts
    of at most a few reviews and no average, so `aggregate` stays None here (the business
    endpoint has the average)."""
    entries = _review_list(payload, "Yelp")
    page = PageReviews()
    for number, entry in enumerate(entries, start=1):
        record = _yelp_review(entry, number, page.problems)
        if record is not None:
            page.reviews.append(record)
    return page


def _review_list(payload: object, source: str) -> list[object]:
    if not isinstance(payload, dict):
        raise ReviewFormatError(
            f"the {source} reviews response is not a JSON object (got {type(payload).__name__})"
        )
    # Google leaves `reviews` out entirely when a location has none.
    reviews = payload.get("reviews")
    if reviews is None:
        return []
    if not isinstance(reviews, list):
        raise ReviewFormatError(
            f"the {source} reviews response has 'reviews' as {type(reviews).__name__}, not a list"
        )
    return reviews


def _google_review(entry: object, number: int, problems: list[str]) -> ReviewRecord | None:
    if not isinstance(entry, dict):
        problems.append(f"review {number} is not an object; skipped")
        return None
    rating = GOOGLE_STARS.get(str(entry.get("starRating")))
    text = clean_text(_google_original(entry.get("comment")))
    if not text and rating is None:
        problems.append(f"review {number} has neither a comment nor a star rating; skipped")
        return None
    reviewer = entry.get("reviewer")
    reviewer = reviewer if isinstance(reviewer, dict) else {}
    anonymous = reviewer.get("isAnonymous") is True
    review_id = _string(entry.get("reviewId")) or _string(entry.get("name")).rsplit("/", 1)[-1]
    return ReviewRecord(
        text=text,
        rating=rating,
        author="" if anonymous else clean_text(reviewer.get("displayName"), MAX_AUTHOR_CHARS),
        published_at=_timestamp(entry, ("createTime", "updateTime"), number, problems, UTC),
        external_id=review_id,
    )


def _google_original(comment: object) -> str:
    """The reviewer's own words. For a review in another language Google sends both texts,
    as "original (Translated by Google) translation" or "(Translated by Google) translation
    (Original) original"; analysis should see what the patient wrote."""
    if not isinstance(comment, str):
        return ""
    if GOOGLE_ORIGINAL in comment:
        return comment.split(GOOGLE_ORIGINAL, 1)[1]
    if GOOGLE_TRANSLATED in comment:
        before, after = comment.split(GOOGLE_TRANSLATED, 1)
        return before if before.strip() else after
    return comment


def _google_aggregate(payload: dict) -> AggregateRating | None:
    average = payload.get("averageRating")
    if isinstance(average, bool) or not isinstance(average, int | float):
        return None
    rating = normalise_rating(average)  # 0 means "no reviews yet", not a rating
    if rating is None:
        return None
    count = payload.get("totalReviewCount")
    valid_count = isinstance(count, int) and not isinstance(count, bool) and count >= 0
    return AggregateRating(rating=rating, count=count if valid_count else None)


def _yelp_review(entry: object, number: int, problems: list[str]) -> ReviewRecord | None:
    if not isinstance(entry, dict):
        problems.append(f"review {number} is not an object; skipped")
        return None
    raw_rating = entry.get("rating")
    rating = None if isinstance(raw_rating, bool) else normalise_rating(raw_rating)
    if raw_rating is not None and rating is None:
        problems.append(
            f"review {number} has a rating that is not a number from 1 to 5; rating ignored"
        )
    text = clean_text(entry.get("text"))
    if not text and rating is None:
        problems.append(f"review {number} has neither text nor a rating; skipped")
        return None
    user = entry.get("user")
    user = user if isinstance(user, dict) else {}
    url = _string(entry.get("url"))
    return ReviewRecord(
        text=text,
        rating=rating,
        author=clean_text(user.get("name"), MAX_AUTHOR_CHARS),
        published_at=_timestamp(
            entry, ("time_created",), number, problems, ZoneInfo(YELP_TIMEZONE)
        ),
        url=url if url.startswith(("https://", "http://")) else "",
        external_id=_string(entry.get("id")),
    )


def _timestamp(
    entry: dict, keys: tuple[str, ...], number: int, problems: list[str], default_tz: tzinfo
) -> datetime | None:
    """The first of `keys` that holds a timestamp; a present but unreadable one is noted."""
    for key in keys:
        value = entry.get(key)
        if value in (None, ""):
            continue
        parsed = parse_timestamp(value, default_tz)
        if parsed is not None:
            return parsed
        problems.append(f"review {number} has a {key} that is not a timestamp; ignored")
    return None


def _string(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""
