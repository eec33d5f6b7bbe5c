"""The JSON API: authenticated, scoped like the pages, in the OpenAPI schema, clear errors."""

from __future__ import annotations

from feedback.services.feedback_items import NewFeedback, record_feedback
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem, Ticket
from tests import factories
from tests.conftest import sign_in


async def _csrf(client) -> str:
    page = await client.get("/")
    return page.text.split('"x-csrftoken": "')[1].split('"')[0]


async def _ticket(department: int, text: str) -> int:
    item_id = await record_feedback(
        NewFeedback(source="survey", text=text, department_id=department)
    )
    item = await FeedbackItem.select().where(FeedbackItem.id == item_id).first()
    return (await open_tickets([item]))[0]


async def test_a_lead_works_tickets_through_the_api_in_scope(client):
    mine = await factories.department("Cardiology")
    theirs = await factories.department("Oncology")
    ticket = await _ticket(mine, "Nobody explained my test results and the nurse was rude.")
    other = await _ticket(theirs, "Waited three hours for chemo.")
    await sign_in(client, await factories.staff("lead", mine), factories.PASSWORD)
    headers = {"x-csrftoken": await _csrf(client)}
    listed = (await client.get("/api/v1/tickets")).json()
    assert [t["id"] for t in listed] == [ticket]
    response = await client.get(f"/api/v1/tickets/{ticket}")
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["feedback"][0]["sentiment"] == "negative"
    assert detail["routing_reason"]
    assert (await client.get(f"/api/v1/tickets/{other}")).status_code == 404
    refused = await client.post(
        f"/api/v1/tickets/{other}/status", headers=headers, json={"action": "acknowledge"}
    )
    assert refused.status_code == 404
    changed = await client.post(
        f"/api/v1/tickets/{ticket}/status", headers=headers, json={"action": "acknowledge"}
    )
    assert changed.status_code == 200 and changed.json()["status"] == "acknowledged"
    bad = await client.post(
        f"/api/v1/tickets/{ticket}/status",
        headers=headers,
        json={"action": "resolve", "resolution": "with_action"},
    )
    assert bad.status_code == 400 and bad.json()["detail"] == "Describe the action taken."
    noted = await client.post(
        f"/api/v1/tickets/{ticket}/notes",
        headers=headers,
        json={"text": "Called the patient back."},
    )
    assert noted.status_code == 201 and noted.json()["events"][-1]["kind"] == "note"
    malformed = await client.post(
        f"/api/v1/tickets/{ticket}/notes", headers=headers, json={"txt": 3}
    )
    assert malformed.status_code == 400 and malformed.json()["errors"]
    assert (await Ticket.select(Ticket.status).where(Ticket.id == other).first())["status"] == "new"


async def test_feedback_ingest_is_analysed_routed_and_validated(client):
    department = await factories.department("Radiology")
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    headers = {"x-csrftoken": await _csrf(client)}
    created = await client.post(
        "/api/v1/feedback",
        headers=headers,
        json={
            "text": "The MRI booking line hung up on me twice.",
            "channel": "portal",
            "department_id": department,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["tickets"]
    item = (await client.get(f"/api/v1/feedback/{body['id']}")).json()
    assert item["source"] == "api" and item["sentiment"] == "negative"
    invalid = await client.post(
        "/api/v1/feedback", headers=headers, json={"text": "", "channel": "pigeon"}
    )
    assert invalid.status_code == 400
    fields = {error["field"] for error in invalid.json()["errors"]}
    assert fields == {"text", "channel"}
    no_csrf = await client.post("/api/v1/feedback", json={"text": "x", "channel": "phone"})
    assert no_csrf.status_code == 403


async def test_the_api_needs_a_session_and_is_in_the_schema(client):
    assert (await client.get("/api/v1/tickets")).status_code == 401
    schema = (await client.get("/schema/openapi.json")).json()
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/status",
        "/api/v1/feedback",
    ):
        assert path in schema["paths"], path


async def test_executives_cannot_ingest(client):
    await sign_in(client, await factories.staff("executive"), factories.PASSWORD)
    headers = {"x-csrftoken": await _csrf(client)}
    response = await client.post(
        "/api/v1/feedback", headers=headers, json={"text": "Great", "channel": "phone"}
    )
    assert response.status_code == 403
