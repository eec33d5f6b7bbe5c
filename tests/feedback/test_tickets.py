"""The lead works tickets: queue, ticket page, status changes and notes, within their department."""

from __future__ import annotations

import datetime as dt

import pytest

from feedback.services.feedback_items import NewFeedback, record_feedback
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem, Ticket, TicketEvent, TicketFeedback
from feedback.tickets.states import TransitionError, available_actions, next_status
from tests import factories
from tests.conftest import csrf_token, sign_in


def test_the_state_machine():
    assert next_status("new", "acknowledge") == "acknowledged"
    assert next_status("acknowledged", "start") == "in_progress"
    assert next_status("in_progress", "resolve", "with_action", "Added a night porter.") == (
        "resolved"
    )
    assert next_status("resolved", "close") == "closed"
    assert next_status("closed", "reopen") == "in_progress"
    with pytest.raises(TransitionError, match="cannot be closed"):
        next_status("new", "close")
    with pytest.raises(TransitionError, match="why nothing changed"):
        next_status("new", "resolve")
    with pytest.raises(TransitionError, match="Give the reason"):
        next_status("new", "resolve", "no_change", " ")
    assert available_actions("resolved") == ["close", "reopen"]


async def _ticket_in(department: int, text: str) -> int:
    item_id = await record_feedback(
        NewFeedback(
            source="survey", text=text, department_id=department, question="What could we improve?"
        )
    )
    item = await FeedbackItem.select().where(FeedbackItem.id == item_id).first()
    [ticket_id] = await open_tickets([item])
    return ticket_id


async def test_a_lead_works_a_ticket_from_new_to_closed(client):
    cardiology = await factories.department("Cardiology")
    ticket = await _ticket_in(cardiology, "The nurse was rude and dismissive to my mother.")
    lead = await factories.staff("lead", cardiology)
    await sign_in(client, lead, factories.PASSWORD)
    queue = await client.get("/tickets")
    assert f"/tickets/{ticket}" in queue.text
    page = await client.get(f"/tickets/{ticket}")
    assert "The nurse was rude" in page.text and "Why the analysis says so" in page.text
    assert "routed by default:" in page.text
    token = await csrf_token(client, f"/tickets/{ticket}")
    for action in ("acknowledge", "start"):
        response = await client.post(
            f"/tickets/{ticket}/status", data={"_csrf_token": token, "action": action}
        )
        assert response.status_code == 303
    refused = await client.post(
        f"/tickets/{ticket}/status",
        headers={"HX-Request": "true", "x-csrftoken": token},
        data={"action": "resolve", "resolution": "with_action"},
    )
    assert refused.status_code == 422 and "Describe the action taken." in refused.text
    assert refused.text.lstrip().startswith('<section id="ticket-work"')
    done = await client.post(
        f"/tickets/{ticket}/status",
        headers={"HX-Request": "true", "x-csrftoken": token},
        data={
            "action": "resolve",
            "resolution": "with_action",
            "note": "Spoke with the nurse; courtesy training booked.",
        },
    )
    assert done.status_code == 200 and "Change made: Spoke with the nurse" in done.text
    await client.post(
        f"/tickets/{ticket}/notes", data={"_csrf_token": token, "text": "Family called back."}
    )
    await client.post(f"/tickets/{ticket}/status", data={"_csrf_token": token, "action": "close"})
    row = await Ticket.select().where(Ticket.id == ticket).first()
    assert row["status"] == "closed" and row["resolution"] == "with_action"
    assert row["acknowledged_at"] and row["resolved_at"] and row["closed_at"]
    kinds = [
        e["kind"]
        for e in await TicketEvent.select(TicketEvent.kind)
        .where(TicketEvent.ticket == ticket)
        .order_by(TicketEvent.id)
    ]
    assert kinds == ["created", "status", "status", "status", "note", "status"]


async def test_a_lead_is_refused_every_route_of_another_departments_ticket(client):
    mine = await factories.department("Cardiology")
    theirs = await factories.department("Oncology")
    ticket = await _ticket_in(theirs, "Nobody called me back about my scan results.")
    await sign_in(client, await factories.staff("lead", mine), factories.PASSWORD)
    token = await csrf_token(client, "/tickets")
    assert f"/tickets/{ticket}" not in (await client.get("/tickets?status=all")).text
    assert (await client.get(f"/tickets/{ticket}")).status_code == 404
    mine_ticket = await _ticket_in(mine, "The waiting room was filthy.")
    for path, data in (
        (f"/tickets/{ticket}/status", {"action": "acknowledge"}),
        (f"/tickets/{ticket}/notes", {"text": "hello"}),
        (f"/tickets/{ticket}/owner", {"owner_id": ""}),
        (f"/tickets/{ticket}/tags", {"tags": "x"}),
        (f"/tickets/{ticket}/recovery", {"method": "call", "outcome": "x"}),
        (f"/tickets/{ticket}/split", {"feedback": "1"}),
        (f"/tickets/{ticket}/merge", {"other": str(mine_ticket)}),
    ):
        response = await client.post(path, data={"_csrf_token": token, **data})
        assert response.status_code == 404, path
    # Pulling another department's ticket into one's own, singly or in bulk, is refused too.
    await client.post(
        f"/tickets/{mine_ticket}/merge", data={"_csrf_token": token, "other": str(ticket)}
    )
    await client.post(
        "/tickets/bulk",
        data={"_csrf_token": token, "action": "acknowledge", "ticket": [str(ticket)]},
    )
    row = await Ticket.select().where(Ticket.id == ticket).first()
    assert row["status"] == "new"
    assert (
        await TicketEvent.count().where(
            (TicketEvent.kind != "created") & (TicketEvent.ticket == ticket)
        )
        == 0
    )
    assert await TicketFeedback.count().where(TicketFeedback.ticket == ticket) == 1


async def test_executives_read_but_do_not_change_tickets(client):
    department = await factories.department()
    ticket = await _ticket_in(department, "The bathroom was filthy.")
    await sign_in(client, await factories.staff("executive"), factories.PASSWORD)
    page = await client.get(f"/tickets/{ticket}")
    assert page.status_code == 200 and "Add note" not in page.text
    token = await csrf_token(client, "/tickets")
    response = await client.post(
        f"/tickets/{ticket}/status", data={"_csrf_token": token, "action": "acknowledge"}
    )
    assert response.status_code == 303
    assert (await Ticket.select(Ticket.status).first())["status"] == "new"


async def test_overdue_filter(client):
    department = await factories.department()
    late = await _ticket_in(department, "Waited five hours in the ER.")
    await _ticket_in(department, "The parking machine was broken.")
    await Ticket.update(
        {Ticket.resolve_due_at: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)}
    ).where(Ticket.id == late)
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    page = await client.get("/tickets?overdue=1", headers={"HX-Request": "true"})
    assert "1 ticket" in page.text and f"/tickets/{late}" in page.text and "Overdue" in page.text


async def test_queue_filters_search_assignment_tags_and_bulk_actions(client):
    department = await factories.department("Emergency Department")
    billing_text = "I was charged twice and the billing office never answers."
    billing = await _ticket_in(department, billing_text)
    parking = await _ticket_in(department, "The car park was full and filthy.")
    lead = await factories.staff("lead", department)
    colleague = await factories.staff("staff", department)
    outsider = await factories.staff("staff", await factories.department("Oncology"))
    await sign_in(client, lead, factories.PASSWORD)
    token = await csrf_token(client, "/tickets")
    found = await client.get("/tickets?q=charged+twice", headers={"HX-Request": "true"})
    assert f"/tickets/{billing}" in found.text and f"/tickets/{parking}" not in found.text
    themed = await client.get("/tickets?theme=billing", headers={"HX-Request": "true"})
    assert f"/tickets/{billing}" in themed.text and f"/tickets/{parking}" not in themed.text

    from feedback.tables import StaffUser

    ids = {row["email"]: row["id"] for row in await StaffUser.select(StaffUser.id, StaffUser.email)}
    refused = await client.post(
        f"/tickets/{billing}/owner", data={"_csrf_token": token, "owner_id": ids[outsider]}
    )
    assert refused.status_code == 303
    assert (await Ticket.select(Ticket.owner).where(Ticket.id == billing).first())["owner"] is None
    await client.post(
        f"/tickets/{billing}/owner", data={"_csrf_token": token, "owner_id": ids[colleague]}
    )
    await client.post(
        f"/tickets/{billing}/tags", data={"_csrf_token": token, "tags": "Refund, billing ,refund"}
    )
    row = await Ticket.select(Ticket.owner, Ticket.tags).where(Ticket.id == billing).first()
    assert row["owner"] == ids[colleague]
    page = await client.get(f"/tickets/{billing}")
    assert 'value="billing, refund"' in page.text

    bulk = await client.post(
        "/tickets/bulk",
        data={
            "_csrf_token": token,
            "action": "acknowledge",
            "ticket": [str(billing), str(parking)],
        },
    )
    assert bulk.status_code == 303
    statuses = {r["status"] for r in await Ticket.select(Ticket.status)}
    assert statuses == {"acknowledged"}
    again = await client.post(
        "/tickets/bulk",
        data={"_csrf_token": token, "action": "acknowledge", "ticket": [str(billing)]},
    )
    assert again.status_code == 303
    queue = await client.get("/tickets")
    assert "0 tickets updated. Not changed: #" in queue.text


async def test_service_recovery_shows_contacts_only_to_the_owning_lead_with_consent(client):
    from feedback.services.survey_intake import take_survey_response
    from feedback.tables import AuditEvent
    from surveys.patients import decrypt_patient
    from surveys.service import (
        create_invitation,
        install_library,
        record_consents,
        submit_invitation,
        survey_version_for,
    )
    from surveys.tables import Patient, Visit

    await install_library()
    department = await factories.department("Cardiology")
    place = await factories.location()
    tokens = []
    for _ in range(2):
        visit = await factories.visit(department, place)
        await Visit.update({Visit.visit_type: "telehealth"}).where(Visit.id == visit)
        token = await create_invitation(visit, await survey_version_for("telehealth", place))
        await submit_invitation(
            token,
            {"recommend": ["2"], "improve": ["Nobody called me back about my results."]},
            "en",
            take_survey_response,
        )
        tokens.append(token)
    await record_consents(tokens[0], {"follow_up"})  # only the first patient agreed
    consenting = decrypt_patient(
        factories.KEYRING, await Patient.select().order_by(Patient.id).first()
    )
    tickets = await Ticket.select(Ticket.id).order_by(Ticket.id)
    lead = await factories.staff("lead", department)
    await sign_in(client, lead, factories.PASSWORD)
    with_consent = await client.get(f"/tickets/{tickets[0]['id']}")
    assert "the patient asked to be contacted" in with_consent.text
    assert consenting["family_name"] in with_consent.text
    assert await AuditEvent.exists().where(AuditEvent.action == "patient.contact_viewed")
    without = await client.get(f"/tickets/{tickets[1]['id']}")
    assert "asked to be contacted" not in without.text
    token = await csrf_token(client, "/tickets")
    done = await client.post(
        f"/tickets/{tickets[0]['id']}/recovery",
        data={"_csrf_token": token, "method": "call", "outcome": "Apologised; results sent today."},
    )
    assert done.status_code == 303
    assert await TicketEvent.exists().where(TicketEvent.kind == "recovery")

    for role in ("executive", "staff"):
        other = await factories.staff(role, department if role == "staff" else None)
        await sign_in(client, other, factories.PASSWORD)
        page = await client.get(f"/tickets/{tickets[0]['id']}")
        assert page.status_code == 200
        assert consenting["family_name"] not in page.text, role


async def test_related_tickets_are_suggested_merged_and_split_by_hand(client):
    department = await factories.department("Emergency Department")
    first = await _ticket_in(department, "Waited five hours in the ER waiting room.")
    second = await _ticket_in(department, "Another four hour wait in the ER, no updates.")
    await sign_in(client, await factories.staff("lead", department), factories.PASSWORD)
    page = await client.get(f"/tickets/{first}")
    assert "Looks like the same problem" in page.text and f"/tickets/{second}" in page.text
    token = await csrf_token(client, f"/tickets/{first}")
    merged = await client.post(
        f"/tickets/{first}/merge", data={"_csrf_token": token, "other": str(second)}
    )
    assert merged.status_code == 303
    assert await TicketFeedback.count().where(TicketFeedback.ticket == first) == 2
    closed = await Ticket.select().where(Ticket.id == second).first()
    assert closed["status"] == "closed" and closed["resolution"] == "merged"
    again = await client.post(
        f"/tickets/{first}/merge", data={"_csrf_token": token, "other": str(second)}
    )
    assert again.status_code == 303
    assert "is no longer open" in (await client.get(f"/tickets/{first}")).text
    items = await TicketFeedback.select(TicketFeedback.feedback_item).where(
        TicketFeedback.ticket == first
    )
    split = await client.post(
        f"/tickets/{first}/split",
        data={"_csrf_token": token, "feedback": str(items[-1]["feedback_item"])},
    )
    assert split.status_code == 303
    assert await TicketFeedback.count().where(TicketFeedback.ticket == first) == 1
    assert await Ticket.count() == 3
    last = await client.post(
        f"/tickets/{first}/split",
        data={"_csrf_token": token, "feedback": str(items[0]["feedback_item"])},
    )
    assert last.status_code == 303
    assert "keeps at least one piece of feedback" in (await client.get(f"/tickets/{first}")).text
