"""Staff see feedback and its analysis, only within their department."""

from __future__ import annotations

from feedback.services.feedback_items import NewFeedback, record_feedback
from tests import factories
from tests.conftest import sign_in


async def _two_departments() -> tuple[int, int, int, int]:
    cardiology = await factories.department("Cardiology")
    oncology = await factories.department("Oncology")
    mine = await record_feedback(
        NewFeedback(
            source="survey",
            department_id=cardiology,
            text="The nurse was rude and we waited four hours.",
            question="What could we improve?",
        )
    )
    theirs = await record_feedback(
        NewFeedback(
            source="review", department_id=oncology, text="Wonderful, caring oncology team."
        )
    )
    return cardiology, oncology, mine, theirs


async def test_a_lead_sees_their_departments_feedback_with_its_explanation(client):
    cardiology, _, mine, theirs = await _two_departments()
    await sign_in(client, await factories.staff("lead", cardiology), factories.PASSWORD)
    page = await client.get("/feedback")
    assert page.status_code == 200
    assert "The nurse was rude" in page.text and "Wonderful, caring" not in page.text
    assert "1 piece of feedback" in page.text
    detail = await client.get(f"/feedback/{mine}")
    assert "Why the analysis says so" in detail.text
    assert "wait time" in detail.text and "Negative" in detail.text
    hidden = await client.get(f"/feedback/{theirs}")
    assert hidden.status_code == 404  # not 403: do not confirm it exists


async def test_filters_work_as_htmx_partials_and_plain_links(client):
    await _two_departments()
    await sign_in(client, await factories.staff("executive"), factories.PASSWORD)
    full = await client.get("/feedback?sentiment=positive")
    assert "Wonderful, caring" in full.text and "The nurse was rude" not in full.text
    partial = await client.get("/feedback?sentiment=negative", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<section id="feedback-rows"')
    assert "The nurse was rude" in partial.text and "<html" not in partial.text


async def test_comments_are_rendered_as_text_never_as_markup(client):
    department = await factories.department()
    await record_feedback(
        NewFeedback(
            source="api",
            department_id=department,
            text='<script>alert("x")</script><img src=x onerror=alert(1)> awful',
        )
    )
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    page = await client.get("/feedback")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_staff_record_phone_feedback_which_is_analysed_and_routed(client):
    from feedback.tables import AuditEvent, FeedbackItem, Ticket

    emergency = await factories.department("Emergency Department")
    await factories.department("Oncology")
    await sign_in(client, await factories.staff("staff", emergency), factories.PASSWORD)
    page = await client.get("/feedback/new")
    assert "How was it received?" in page.text
    token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    refused = await client.post("/feedback/new", data={"_csrf_token": token, "text": " "})
    assert refused.status_code == 422
    assert "Write what the patient said." in refused.text
    assert "Choose how the feedback was received." in refused.text
    assert await FeedbackItem.count() == 0
    done = await client.post(
        "/feedback/new",
        data={
            "_csrf_token": token,
            "channel": "phone",
            "text": "Caller waited four hours in the ER and was never told why.",
            "department_id": "999",  # ignored: staff record for their own department
        },
    )
    assert done.status_code == 303
    item = await FeedbackItem.select().first()
    assert item["source"] == "staff" and item["channel"] == "phone"
    assert item["department"] == emergency and item["sentiment"] == "negative"
    assert await Ticket.count().where(Ticket.department == emergency) == 1
    assert await AuditEvent.exists().where(AuditEvent.action == "feedback.entered")
    detail = await client.get(done.headers["location"])
    assert "1 ticket opened" in detail.text


async def test_feedback_exports_as_csv_scoped_with_formulas_neutralised(client):
    import csv
    import io

    from feedback.tables import AuditEvent

    cardiology, _, _, _ = await _two_departments()
    await record_feedback(
        NewFeedback(
            source="api",
            department_id=cardiology,
            text='=HYPERLINK("http://evil.example","click") awful',
        )
    )
    await sign_in(client, await factories.staff("lead", cardiology), factories.PASSWORD)
    response = await client.get("/feedback/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2  # the other department's praise is not exported
    texts = {row["text"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example","click") awful' in texts
    assert all(row["department"] == "Cardiology" for row in rows)
    assert await AuditEvent.exists().where(AuditEvent.action == "feedback.exported")
    negative = await client.get("/feedback/export.csv?sentiment=negative")
    assert len(list(csv.DictReader(io.StringIO(negative.text)))) == 2
    await sign_in(client, await factories.staff("staff", cardiology), factories.PASSWORD)
    assert (await client.get("/feedback/export.csv")).status_code == 403
