"""A department lead works a ticket end to end in Chromium, with htmx and without JS."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from feedback.services.feedback_items import NewFeedback, record_feedback
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem, Ticket
from tests import factories
from tests.e2e.conftest import sign_in_page


@pytest.mark.parametrize("javascript", [True, False])
async def test_a_lead_works_a_ticket(db, live_server, browser: Browser, javascript):
    department = await factories.department("Emergency Department")
    item_id = await record_feedback(
        NewFeedback(
            source="survey",
            department_id=department,
            question="What could we improve?",
            text="We waited six hours and nobody told us anything.",
        )
    )
    [ticket_id] = await open_tickets(
        [await FeedbackItem.select().where(FeedbackItem.id == item_id).first()]
    )
    lead = await factories.staff("lead", department)

    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()
    await sign_in_page(page, live_server, lead)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets").click()
    await page.get_by_role("link", name=f"#{ticket_id}").click()
    await expect(page.locator(".comment")).to_contain_text("waited six hours")
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator("#work-title")).to_have_text("Acknowledged")
    await page.get_by_label("A change was made").check()
    await page.get_by_label("What was done, or why not").fill(
        "Added a waiting-time screen and hourly updates from the triage nurse."
    )
    await page.get_by_role("button", name="Resolve", exact=True).click()
    await expect(page.locator("#work-title")).to_have_text("Resolved")
    await expect(page.locator(".timeline")).to_contain_text("Acknowledged → Resolved")
    await context.close()
    assert (await Ticket.select(Ticket.status).first())["status"] == "resolved"
