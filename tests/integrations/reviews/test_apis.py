"""Google Business Profile and Yelp Fusion review payloads, shaped as their docs show."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.reviews.apis import ReviewFormatError, parse_google_reviews, parse_yelp_reviews
from integrations.reviews.records import AggregateRating, ReviewRecord

GOOGLE_PAGE = {
    "reviews": [
        {
            "name": "accounts/1099/locations/4217/reviews/AbFvOqk1",
            "reviewId": "AbFvOqk1",
            "reviewer": {
                "profilePhotoUrl": "https://lh3.googleusercontent.com/a/photo.jpg",
                "displayName": "Janet Ortiz",
            },
            "starRating": "FOUR",
            "comment": "Clean ER,  quick triage.\nThe doctor explained the X-ray.",
            "createTime": "2024-03-04T15:22:10.123456789Z",
            "updateTime": "2024-03-05T09:00:00Z",
            "reviewReply": {"comment": "Thank you, Janet!", "updateTime": "2024-03-06T10:00:00Z"},
        },
        {
            "name": "accounts/1099/locations/4217/reviews/AbFvOqk2",
            "reviewId": "AbFvOqk2",
            "reviewer": {"displayName": "A Google User", "isAnonymous": True},
            "starRating": "ONE",
            "createTime": "2024-03-01T08:00:00Z",
            "updateTime": "2024-03-01T08:00:00Z",
        },
        {
            "reviewId": "AbFvOqk3",
            "reviewer": {"displayName": "Lucía Fernández"},
            "starRating": "FIVE",
            "comment": "(Translated by Google) The midwives were wonderful.\n\n"
            "(Original)\nLas parteras fueron maravillosas.",
            "createTime": "2024-02-28T12:00:00Z",
        },
        {
            "reviewId": "AbFvOqk4",
            "reviewer": {"displayName": "Tomás Ruiz"},
            "starRating": "STAR_RATING_UNSPECIFIED",
            "comment": "Personal muy amable.\n\n(Translated by Google)\nVery friendly staff.",
            "createTime": "2024-02-20T12:00:00Z",
        },
    ],
    "averageRating": 4.1,
    "totalReviewCount": 212,
    "nextPageToken": "CiAKGjBJT0RHbkRlVjJHUXhfdkt4",
}


def test_google_reviews_page() -> None:
    page, token = parse_google_reviews(GOOGLE_PAGE)

    assert token == "CiAKGjBJT0RHbkRlVjJHUXhfdkt4"
    assert page.aggregate == AggregateRating(rating=4.1, count=212)
    assert page.problems == []
    assert page.reviews == [
        ReviewRecord(
            text="Clean ER, quick triage. The doctor explained the X-ray.",
            rating=4.0,
            author="Janet Ortiz",
            published_at=datetime(2024, 3, 4, 15, 22, 10, 123456, tzinfo=UTC),
            external_id="AbFvOqk1",
        ),
        # A star-only review is still a review; an anonymous reviewer has no name here.
        ReviewRecord(
            text="",
            rating=1.0,
            author="",
            published_at=datetime(2024, 3, 1, 8, 0, tzinfo=UTC),
            external_id="AbFvOqk2",
        ),
        # Translated reviews keep the patient's own words, whichever order Google sends.
        ReviewRecord(
            text="Las parteras fueron maravillosas.",
            rating=5.0,
            author="Lucía Fernández",
            published_at=datetime(2024, 2, 28, 12, 0, tzinfo=UTC),
            external_id="AbFvOqk3",
        ),
        ReviewRecord(
            text="Personal muy amable.",
            rating=None,
            author="Tomás Ruiz",
            published_at=datetime(2024, 2, 20, 12, 0, tzinfo=UTC),
            external_id="AbFvOqk4",
        ),
    ]


def test_google_last_page_and_location_without_reviews() -> None:
    page, token = parse_google_reviews({"averageRating": 0, "totalReviewCount": 0})

    # Google leaves out `reviews` and `nextPageToken` when there are none; 0 is not a rating.
    assert (page.reviews, page.aggregate, token, page.problems) == ([], None, None, [])


def test_google_bad_entries_are_skipped_with_a_note() -> None:
    payload = {
        "reviews": [
            "AbFvOqk9",
            {"reviewId": "AbFvOqk5", "starRating": "STAR_RATING_UNSPECIFIED", "comment": " "},
            {
                "name": "accounts/1/locations/2/reviews/AbFvOqk6",
                "reviewer": "not an object",
                "starRating": "THREE",
                "comment": "Valet parking lost my keys for an hour.",
                "createTime": "yesterday",
                "updateTime": "2024-01-02T03:04:05Z",
            },
        ],
        "nextPageToken": "",
    }
    page, token = parse_google_reviews(payload)

    assert token is None
    assert page.reviews == [
        ReviewRecord(
            text="Valet parking lost my keys for an hour.",
            rating=3.0,
            published_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),  # updateTime stands in
            external_id="AbFvOqk6",  # from `name` when reviewId is missing
        )
    ]
    assert page.problems == [
        "review 1 is not an object; skipped",
        "review 2 has neither a comment nor a star rating; skipped",
        "review 3 has a createTime that is not a timestamp; ignored",
    ]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "not a JSON object"),
        ("reviews", "not a JSON object"),
        ({"reviews": {"reviewId": "x"}}, "'reviews' as dict, not a list"),
        ({"error": {"code": 403}, "reviews": "PERMISSION_DENIED"}, "'reviews' as str"),
    ],
)
def test_google_payload_of_the_wrong_shape_is_refused(payload: object, message: str) -> None:
    with pytest.raises(ReviewFormatError, match=message) as caught:
        parse_google_reviews(payload)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert "Google Business Profile" in str(caught.value)


YELP_PAGE = {
    "reviews": [
        {
            "id": "xAG4O7l-t1ubbwVAlPnDKg",
            "rating": 5,
            "user": {
                "id": "W8UK02IDdRS2GL_66fuq6w",
                "profile_url": "https://www.yelp.com/user_details?userid=W8UK02IDdRS2GL_66fuq6w",
                "image_url": None,
                "name": "Ella A.",
            },
            "text": "Dr. Nguyen's urgent care team saw me within 20 minutes and followed up "
            "the next day...",
            "time_created": "2016-08-29 00:41:13",
            "url": "https://www.yelp.com/biz/bayview-urgent-care-san-francisco"
            "?adjust_creative=abc&hrid=xAG4O7l-t1ubbwVAlPnDKg&utm_campaign=yelp_api_v3",
        },
        {
            "id": "1JNmYjJXr9ZbsfZUAgkeXQ",
            "rating": 2,
            "user": {"id": "rk-MwIUejOj6LWFkBwZ1kg", "name": "Yanni L."},
            "text": "Front desk lost my insurance card copy twice.",
            "time_created": "2024-01-15 10:00:00",
            "url": "javascript:alert(1)",
        },
    ],
    "total": 3747,
    "possible_languages": ["en"],
}


def test_yelp_reviews_are_read_in_pacific_time() -> None:
    page = parse_yelp_reviews(YELP_PAGE)

    pacific = ZoneInfo("America/Los_Angeles")
    assert page.problems == []
    assert page.aggregate is None  # this endpoint gives no average
    assert page.reviews == [
        ReviewRecord(
            text="Dr. Nguyen's urgent care team saw me within 20 minutes and followed up "
            "the next day...",
            rating=5.0,
            author="Ella A.",
            published_at=datetime(2016, 8, 29, 0, 41, 13, tzinfo=pacific),
            url=YELP_PAGE["reviews"][0]["url"],
            external_id="xAG4O7l-t1ubbwVAlPnDKg",
        ),
        ReviewRecord(
            text="Front desk lost my insurance card copy twice.",
            rating=2.0,
            author="Yanni L.",
            published_at=datetime(2024, 1, 15, 10, 0, tzinfo=pacific),
            url="",  # only web links are kept
            external_id="1JNmYjJXr9ZbsfZUAgkeXQ",
        ),
    ]
    # Summer is UTC-7 and winter UTC-8: the zone, not a fixed offset, decides.
    assert page.reviews[0].published_at.astimezone(UTC) == datetime(
        2016, 8, 29, 7, 41, 13, tzinfo=UTC
    )
    assert page.reviews[1].published_at.astimezone(UTC) == datetime(2024, 1, 15, 18, 0, tzinfo=UTC)


def test_yelp_bad_entries_are_skipped_with_a_note() -> None:
    payload = {
        "reviews": [
            None,
            {"id": "a1", "rating": 9, "text": "Nurses were lovely.", "user": None},
            {"id": "a2", "rating": True, "text": ""},
            {"id": "a3", "rating": 4, "text": "OK.", "time_created": "29/08/2016"},
        ],
        "total": 4,
    }
    page = parse_yelp_reviews(payload)

    assert [(r.external_id, r.text, r.rating, r.published_at) for r in page.reviews] == [
        ("a1", "Nurses were lovely.", None, None),
        ("a3", "OK.", 4.0, None),
    ]
    assert page.problems == [
        "review 1 is not an object; skipped",
        "review 2 has a rating that is not a number from 1 to 5; rating ignored",
        "review 3 has a rating that is not a number from 1 to 5; rating ignored",
        "review 3 has neither text nor a rating; skipped",
        "review 4 has a time_created that is not a timestamp; ignored",
    ]


def test_yelp_payload_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ReviewFormatError, match="Yelp reviews response is not a JSON object"):
        parse_yelp_reviews(None)  # type: ignore[arg-type]
    with pytest.raises(ReviewFormatError, match="'reviews' as int, not a list"):
        parse_yelp_reviews({"reviews": 3})
    assert parse_yelp_reviews({"reviews": [], "total": 0}).reviews == []
