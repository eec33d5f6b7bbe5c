"""Admins configure review sources, collect them now (htmx or plain form) and upload CSVs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feedback.settings import Settings
from feedback.tables import AuditEvent, FeedbackItem, ReviewSource
from tests import factories
from tests.conftest import csrf_token, make_settings, sign_in
from tests.servers import ReviewSite

PAGE = """<html><body>
<div itemscope itemtype="https://schema.org/Review">
  <span itemprop="author">Lee W.</span>
  <meta itemprop="datePublished" content="2026-11-10">
  <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
    <meta itemprop="ratingValue" content="2"></div>
  <p itemprop="reviewBody">Parking was impossible and the lifts were out of order again.</p>
</div></body></html>"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url, REVIEW_FETCH_ALLOW_LOOPBACK="true", REVIEW_HOST_INTERVAL_SECONDS="0"
    )


@pytest.fixture
def site() -> Iterator[ReviewSite]:
    server = ReviewSite().start()
    server.page("/profile", PAGE)
    yield server
    server.stop()


async def _admin(client) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    location = await factories.location("Riverside Clinic")
    await factories.department("Patient Experience Office")
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    return await csrf_token(client, "/admin/reviews/"), location


async def test_an_admin_adds_a_source_and_collects_it_now(client, site: ReviewSite) -> None:
    token, location = await _admin(client)
    bad = await client.post(
        "/admin/reviews/",
        data={"_csrf_token": token, "name": "", "kind": "page", "location": str(location)},
    )
    assert bad.status_code == 422
    assert "Give the source a name" in bad.text
    assert "Address of the first page of reviews is required." in bad.text
    assert await ReviewSource.count() == 0

    added = await client.post(
        "/admin/reviews/",
        data={
            "_csrf_token": token,
            "name": "Riverside on ReviewSite",
            "kind": "page",
            "location": str(location),
            "start_url": site.url("/profile"),
            "interval_hours": "12",
        },
    )
    assert added.status_code == 303
    source_path = added.headers["location"]

    # htmx: the runs table comes back with the outcome.
    ran = await client.post(
        f"{source_path}/run", headers={"HX-Request": "true", "x-csrftoken": token}
    )
    assert ran.status_code == 200
    assert ran.text.lstrip().startswith('<div id="review-runs">')
    assert "Run finished: ok, 1 added" in ran.text
    item = await FeedbackItem.select().where(FeedbackItem.source == "review").first()
    assert item["text"] == "Parking was impossible and the lifts were out of order again."
    assert item["location"] == location

    # The plain form post does the same and comes back to the page with a message.
    again = await client.post(f"{source_path}/run", data={"_csrf_token": token})
    assert again.status_code == 303
    page = await client.get(source_path)
    assert "Run finished: ok, 0 added" in page.text
    assert page.text.count('class="badge badge--ok">ok</span>') == 2
    actions = [row["action"] for row in await AuditEvent.select(AuditEvent.action)]
    assert actions.count("reviews.run") == 2 and "reviews.source_added" in actions


async def test_a_csv_with_problems_imports_nothing_and_says_where(client) -> None:
    token, location = await _admin(client)
    added = await client.post(
        "/admin/reviews/",
        data={
            "_csrf_token": token,
            "name": "Healthgrades export",
            "kind": "csv",
            "location": str(location),
            "interval_hours": "24",
        },
    )
    path = added.headers["location"]
    bad = b"text,rating,date\nGreat care,5,2026-11-01\nRude receptionist,11,2026-11-02\n"
    response = await client.post(
        f"{path}/upload",
        data={"_csrf_token": token},
        files={"file": ("reviews.csv", bad, "text/csv")},
    )
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "row 3, rating" in response.text
    assert "Rude receptionist" not in response.text  # values are never echoed back
    assert await FeedbackItem.count() == 0

    good = bad.replace(b",11,", b",1,")
    response = await client.post(
        f"{path}/upload",
        data={"_csrf_token": token},
        files={"file": ("reviews.csv", good, "text/csv")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "File imported: 2 added" in response.text
    assert await FeedbackItem.count().where(FeedbackItem.source == "review") == 2


@pytest.mark.parametrize("role", ["executive", "lead", "staff"])
async def test_only_admins_manage_review_sources(client, role: str) -> None:
    department = None if role == "executive" else await factories.department()
    await sign_in(client, await factories.staff(role, department), factories.PASSWORD)
    assert (await client.get("/admin/reviews/")).status_code == 403


async def test_a_lead_drafts_a_reply_and_a_name_with_health_details_is_refused(client) -> None:
    from feedback.services import reviews
    from feedback.services.routing import seed_default_rules
    from feedback.tables import Review, Ticket, TicketEvent
    from integrations.reviews import ReviewRecord
    from surveys.tables import Department

    billing = (
        await Department.insert(Department(name="Billing", slug="billing")).returning(Department.id)
    )[0]["id"]
    await factories.department("Patient Experience Office")
    await seed_default_rules()
    location = await factories.location()
    source = await reviews.add_source("Export", "csv", location, {}, 24)
    record = ReviewRecord(
        text="I was charged twice for my knee surgery and billing never called back.",
        rating=1.0,
        author="Sam P.",
        external_id="r-77",
    )
    assert await reviews.store_review(await reviews.get_source(source), record) == "added"
    ticket = await Ticket.select().where(Ticket.department == billing).first()
    item = await FeedbackItem.select(FeedbackItem.id).first()
    await sign_in(client, await factories.staff("lead", billing), factories.PASSWORD)
    path = f"/tickets/{ticket['id']}"
    token = await csrf_token(client, path)
    page = await client.get(path)
    assert "Public review on Export by Sam P., 1.0 of 5" in page.text

    risky = "Dear Sam, we are sorry about the bill for your knee surgery."
    refused = await client.post(
        f"{path}/reply", data={"_csrf_token": token, "feedback": item["id"], "reply": risky}
    )
    assert refused.status_code == 422
    assert "names the reviewer" in refused.text
    assert "we are sorry about the bill for your knee surgery." in refused.text  # kept
    assert (await Review.select(Review.reply_draft).first())["reply_draft"] == ""

    safe = (
        "Thank you for telling us. We have fixed the double charge you describe; please "
        "call the billing office so we can confirm your refund."
    )
    saved = await client.post(
        f"{path}/reply", data={"_csrf_token": token, "feedback": item["id"], "reply": safe}
    )
    assert saved.status_code == 303
    assert (await Review.select(Review.reply_draft).first())["reply_draft"] == safe
    events = await TicketEvent.select(TicketEvent.kind).where(TicketEvent.ticket == ticket["id"])
    assert "reply_drafted" in [event["kind"] for event in events]
