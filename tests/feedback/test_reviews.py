"""Online reviews end to end: a real HTTP server on loopback plays the review sites; reviews
come in once, edits update their item, failures are recorded per source, and complaints
become routed tickets."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from feedback.services import reviews
from feedback.services.routing import seed_default_rules
from feedback.settings import Settings
from feedback.tables import FeedbackItem, Review, ReviewRun, Ticket, TicketEvent, TicketFeedback
from integrations.reviews import ReviewCsvError
from surveys.tables import Department
from tests import factories
from tests.conftest import make_settings
from tests.servers import ReviewSite, respond, stream_bytes

ROBOTS = "User-agent: *\nDisallow: /private/\n"


def hospital_page(reviews_json: list[dict], next_path: str | None = None) -> str:
    graph = {
        "@context": "https://schema.org",
        "@type": "Hospital",
        "name": "St Example General",
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": "3.4", "reviewCount": 212},
        "review": reviews_json,
    }
    link = f'<link rel="next" href="{next_path}">' if next_path else ""
    return (
        f'<html><head>{link}<script type="application/ld+json">{json.dumps(graph)}</script>'
        "</head><body><h1>St Example General</h1></body></html>"
    )


def review(review_id: str, stars: int, text: str, author: str = "J. D.") -> dict:
    return {
        "@type": "Review",
        "@id": review_id,
        "author": {"@type": "Person", "name": author},
        "datePublished": "2026-11-20",
        "reviewRating": {"@type": "Rating", "ratingValue": stars, "bestRating": 5},
        "reviewBody": text,
    }


MICRODATA_PAGE = """<html><body>
<div itemscope itemtype="https://schema.org/Review">
  <span itemprop="author" itemscope itemtype="https://schema.org/Person">
    <span itemprop="name">Maria G.</span></span>
  <time itemprop="datePublished" datetime="2026-11-18">18 Nov</time>
  <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
    <meta itemprop="ratingValue" content="5"></div>
  <p itemprop="reviewBody">The maternity team were wonderful and so kind to us.</p>
</div>
<a rel="next" href="/private/page3">more</a>
</body></html>"""

BILLING_COMPLAINT = (
    "I was charged twice for the same appointment and billing never answered my calls."
)


@pytest.fixture
def site() -> Iterator[ReviewSite]:
    server = ReviewSite().start()
    yield server
    server.stop()


@pytest.fixture
def review_settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        REVIEW_FETCH_ALLOW_LOOPBACK="true",
        REVIEW_HOST_INTERVAL_SECONDS="0",
        GOOGLE_BUSINESS_TOKEN="google-test-token",
        YELP_API_KEY="yelp-test-key",
    )


@pytest.fixture
async def routed(db: object) -> dict[str, int]:
    ids = {}
    for name, slug in [
        ("Patient Financial Services", "billing"),
        ("Quality & Patient Safety", "quality"),
        ("Patient Experience Office", "patient-experience"),
    ]:
        rows = await Department.insert(Department(name=name, slug=slug)).returning(Department.id)
        ids[slug] = rows[0]["id"]
    await seed_default_rules()
    ids["location"] = await factories.location("Main Campus")
    return ids


def config_for(settings: Settings, site: ReviewSite | None = None) -> reviews.ReviewConfig:
    config = reviews.ReviewConfig.from_settings(settings)
    if site is not None:
        config = reviews.dataclasses.replace(
            config, google_api=site.base_url, yelp_api=site.base_url
        )
    return config


def serve_hospital(site: ReviewSite, first_text: str = BILLING_COMPLAINT) -> None:
    site.page("/robots.txt", ROBOTS, content_type="text/plain")
    site.page(
        "/reviews",
        hospital_page(
            [
                review("https://reviews.example/r/1", 1, first_text, "Sam P."),
                review("https://reviews.example/r/2", 5, "Spotless ward and caring nurses."),
            ],
            next_path="/reviews?page=2",
        ),
    )
    site.sequence(
        "/reviews?page=2",
        lambda h: respond(h, 429, headers={"Retry-After": "1"}),
        lambda h: respond(h, 200, MICRODATA_PAGE.encode()),
    )


async def test_a_page_source_brings_each_review_in_once_and_routes_complaints(
    site: ReviewSite, review_settings: Settings, routed: dict[str, int]
) -> None:
    serve_hospital(site)
    source_id = await reviews.add_source(
        "Hospital profile", "page", routed["location"], {"start_url": site.url("/reviews")}, 24
    )
    config = config_for(review_settings)

    first = await reviews.run_source(source_id, config, trigger="manual")
    assert first is not None
    assert (first.status, first.pages, first.fetched, first.added) == ("ok", 2, 3, 3)
    # robots.txt disallows /private/: the "next" link there was never requested; the 429 on
    # page 2 was retried after the Retry-After wait.
    assert "/private/page3" not in site.paths()
    assert site.paths().count("/reviews?page=2") == 2

    items = await FeedbackItem.select().where(FeedbackItem.source == "review")
    assert len(items) == 3
    assert {item["location"] for item in items} == {routed["location"]}
    complaint = next(item for item in items if item["text"] == BILLING_COMPLAINT)
    assert (complaint["rating"], complaint["rating_scale"]) == (1, 5)
    assert complaint["sentiment"] == "negative"
    assert complaint["patient"] is None and complaint["visit"] is None
    stored = await Review.select().where(Review.id == complaint["review"]).first()
    assert stored["author"] == "Sam P."
    assert stored["rating"] == 1.0

    tickets = await Ticket.select().where(Ticket.source == "review")
    assert [t["department"] for t in tickets] == [routed["billing"]]
    linked = await TicketFeedback.select().where(TicketFeedback.ticket == tickets[0]["id"])
    assert [link["feedback_item"] for link in linked] == [complaint["id"]]

    run = await ReviewRun.select().where(ReviewRun.id == first.run_id).first()
    assert (run["status"], run["added"], run["aggregate_rating"]) == ("ok", 3, 3.4)
    assert run["aggregate_count"] == 212

    # The second run finds nothing new: no duplicate items, no new tickets.
    second = await reviews.run_source(source_id, config, trigger="manual")
    assert second is not None
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert await FeedbackItem.count().where(FeedbackItem.source == "review") == 3
    assert await Ticket.count() == 1


async def test_an_edited_review_updates_its_item_and_tells_its_ticket(
    site: ReviewSite, review_settings: Settings, routed: dict[str, int]
) -> None:
    serve_hospital(site)
    source_id = await reviews.add_source(
        "Hospital profile", "page", routed["location"], {"start_url": site.url("/reviews")}, 24
    )
    config = config_for(review_settings)
    await reviews.run_source(source_id, config, trigger="manual")
    ticket = await Ticket.select().first()

    edited = BILLING_COMPLAINT + " Update: they refunded me after three months."
    serve_hospital(site, first_text=edited)
    summary = await reviews.run_source(source_id, config, trigger="manual")
    assert summary is not None
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 2)
    item = await FeedbackItem.select().where(FeedbackItem.text == edited).first()
    assert item is not None
    assert await FeedbackItem.count().where(FeedbackItem.source == "review") == 3
    events = await TicketEvent.select().where(
        (TicketEvent.ticket == ticket["id"]) & (TicketEvent.kind == "review_edited")
    )
    assert len(events) == 1


async def test_a_failing_source_is_recorded_and_never_stops_the_others(
    site: ReviewSite, review_settings: Settings, routed: dict[str, int]
) -> None:
    serve_hospital(site)
    site.routes["/moved"] = lambda h: respond(h, 302, headers={"Location": "http://10.9.8.7/"})
    site.routes["/huge"] = stream_bytes(50 * 1024 * 1024, declare_length=False)
    site.page("/broken", "<html><script type='application/ld+json'>{not json</script>")
    location = routed["location"]
    moved = await reviews.add_source(
        "Moved", "page", location, {"start_url": site.url("/moved")}, 24
    )
    huge = await reviews.add_source("Huge", "page", location, {"start_url": site.url("/huge")}, 24)
    broken = await reviews.add_source(
        "Broken", "page", location, {"start_url": site.url("/broken")}, 24
    )
    good = await reviews.add_source(
        "Good", "page", location, {"start_url": site.url("/reviews")}, 24
    )

    summaries = {s.source_id: s for s in await reviews.run_due_sources(config_for(review_settings))}

    assert summaries[moved].status == "failed"
    assert "private address" in summaries[moved].problems[0]
    assert summaries[huge].status == "failed"
    assert "larger than" in summaries[huge].problems[0]
    assert summaries[broken].status == "partial"
    assert summaries[broken].added == 0 and summaries[broken].problems
    assert (summaries[good].status, summaries[good].added) == ("ok", 3)
    runs = {row["source"]: row for row in await ReviewRun.select()}
    assert runs[moved]["status"] == "failed" and runs[moved]["problems"]
    # Each source is scheduled again after its interval, whatever happened.
    again = await reviews.run_due_sources(config_for(review_settings))
    assert again == []


async def test_google_and_yelp_apis_are_paged_with_their_credentials(
    site: ReviewSite, review_settings: Settings, routed: dict[str, int]
) -> None:
    google_path = "/v4/accounts/111/locations/222/reviews"
    site.routes[google_path] = lambda h: respond(
        h,
        200,
        json.dumps(
            {
                "reviews": [
                    {
                        "reviewId": "g-1" if "pageToken" not in h.path else "g-2",
                        "reviewer": {"displayName": "Alex"},
                        "starRating": "TWO" if "pageToken" not in h.path else "FIVE",
                        "comment": "Waited four hours in A&E with nobody telling us anything."
                        if "pageToken" not in h.path
                        else "Brilliant physiotherapy team.",
                        "createTime": "2026-11-01T10:00:00Z",
                        "updateTime": "2026-11-01T10:00:00Z",
                    }
                ],
                **({} if "pageToken" in h.path else {"nextPageToken": "next-1"}),
                "averageRating": 3.9,
                "totalReviewCount": 2,
            }
        ).encode(),
        "application/json",
    )
    site.json(
        "/v3/businesses/st-example/reviews",
        {
            "total": 1,
            "reviews": [
                {
                    "id": "y-1",
                    "text": "Front desk staff were rude and dismissive...",
                    "rating": 1,
                    "time_created": "2026-10-30 09:15:00",
                    "user": {"name": "Pat K."},
                    "url": "https://www.yelp.example/biz/st-example?hrid=y-1",
                }
            ],
        },
    )
    config = config_for(review_settings, site)
    google = await reviews.add_source(
        "Google", "google", routed["location"], {"account_id": "111", "location_id": "222"}, 24
    )
    yelp = await reviews.add_source(
        "Yelp", "yelp", routed["location"], {"business_id": "st-example"}, 24
    )
    g = await reviews.run_source(google, config, trigger="manual")
    y = await reviews.run_source(yelp, config, trigger="manual")
    assert g is not None and y is not None
    assert (g.status, g.pages, g.added) == ("ok", 2, 2)
    assert (y.status, y.added) == ("ok", 1)
    api_requests = [(p, a) for p, a, _ in site.requests if p.startswith(("/v3", "/v4"))]
    assert len(api_requests) == 3
    # Robots.txt governs crawlers, not our own authorised API clients.
    assert "/robots.txt" not in site.paths()
    authors = {row["author"] for row in await Review.select(Review.author)}
    assert authors == {"Alex", "Pat K."}


async def test_api_credentials_missing_fail_the_source_with_a_clear_message(
    site: ReviewSite, database_url: str, routed: dict[str, int]
) -> None:
    settings = make_settings(database_url, REVIEW_FETCH_ALLOW_LOOPBACK="true")
    yelp = await reviews.add_source(
        "Yelp", "yelp", routed["location"], {"business_id": "st-example"}, 24
    )
    summary = await reviews.run_source(yelp, config_for(settings, site), trigger="manual")
    assert summary is not None and summary.status == "failed"
    assert summary.problems == ["no Yelp API key is configured (YELP_API_KEY)"]
    assert site.requests == []


async def test_a_csv_upload_is_all_or_nothing(
    review_settings: Settings, routed: dict[str, int]
) -> None:
    source = await reviews.add_source("Healthgrades export", "csv", routed["location"], {}, 24)
    config = config_for(review_settings)
    bad = (
        b"text,rating,author,date\n"
        b"Lovely staff,5,Ann,2026-11-02\n"
        b"Parking was a nightmare,seven,Bob,2026-11-03\n"
    )
    with pytest.raises(ReviewCsvError) as raised:
        await reviews.import_csv(source, bad, config)
    assert [(p.row, p.column) for p in raised.value.problems] == [(3, "rating")]
    assert await Review.count() == 0 and await FeedbackItem.count() == 0

    good = bad.replace(b"seven", b"2")
    summary = await reviews.import_csv(source, good, config)
    assert (summary.status, summary.added) == ("ok", 2)
    again = await reviews.import_csv(source, good, config)
    assert (again.added, again.unchanged) == (0, 2)


async def test_one_process_at_a_time_runs_a_source(routed: dict[str, int]) -> None:
    source = await reviews.add_source(
        "Profile", "page", routed["location"], {"start_url": "https://reviews.example/x"}, 24
    )
    assert await reviews.claim_source(source) is True
    assert await reviews.claim_source(source) is False


async def test_source_forms_list_every_problem(routed: dict[str, int]) -> None:
    with pytest.raises(reviews.ReviewSourceError) as raised:
        await reviews.add_source("", "page", None, {"start_url": "reviews.example"}, 0)
    assert set(raised.value.errors) == {"name", "location", "interval_hours", "start_url"}
    with pytest.raises(reviews.ReviewSourceError) as raised:
        await reviews.add_source("Google", "google", routed["location"], {}, 24)
    assert set(raised.value.errors) == {"account_id", "location_id"}


async def test_feedback_scrape_collects_every_enabled_source_and_reports_failures(
    site: ReviewSite, database_url: str, routed: dict[str, int]
) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import TEST_SECRET_KEY

    serve_hospital(site)
    site.routes["/gone"] = lambda h: respond(h, 410)
    good = await reviews.add_source(
        "Profile", "page", routed["location"], {"start_url": site.url("/reviews")}, 24
    )
    await reviews.add_source(
        "Old profile", "page", routed["location"], {"start_url": site.url("/gone")}, 24
    )
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "REVIEW_FETCH_ALLOW_LOOPBACK": "true",
        "REVIEW_HOST_INTERVAL_SECONDS": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "feedback", "scrape"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr  # one source failed
    assert "Profile: ok; 2 page(s), 3 fetched, 3 added" in result.stdout
    assert "Old profile: failed" in result.stdout
    assert "the site answered 410" in result.stdout
    assert await FeedbackItem.count().where(FeedbackItem.source == "review") == 3

    only = subprocess.run(
        [sys.executable, "-m", "feedback", "scrape", "--source", str(good)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert only.returncode == 0, only.stderr
    assert only.stdout.splitlines() == [
        "Profile: ok; 2 page(s), 3 fetched, 0 added, 0 updated, 3 unchanged, 0 failed"
    ]
