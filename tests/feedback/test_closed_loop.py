"""The closed loop in one test, through the real SMTP server: survey answered with consent →
ticket → improvement published → exactly one email per consenting patient."""

from __future__ import annotations

import dataclasses
import re

from feedback.services.survey_intake import take_survey_response
from feedback.tables import Improvement, Ticket
from feedback.worker import build_dispatcher
from integrations.email import suppress
from integrations.tables import OutboxMessage
from surveys.patients import update_patient
from surveys.service import (
    create_invitation,
    install_library,
    record_consents,
    submit_invitation,
    survey_version_for,
)
from surveys.tables import Consent, Visit
from tests import factories
from tests.conftest import csrf_token, sign_in

COMPLAINT = "The waiting room had nowhere to sit and was filthy; we waited three hours."


async def _respondent(department: int, place: int, consent: set[str]) -> tuple[str, int]:
    visit = await factories.visit(department, place)
    await Visit.update({Visit.visit_type: "telehealth"}).where(Visit.id == visit)
    patient = (await Visit.select(Visit.patient).where(Visit.id == visit).first())["patient"]
    await update_patient(factories.KEYRING, patient, {"email": f"p{patient}@example.org"})
    token = await create_invitation(visit, await survey_version_for("telehealth", place))
    await submit_invitation(
        token, {"recommend": ["3"], "improve": [COMPLAINT]}, "en", take_survey_response
    )
    await record_consents(token, consent)
    return token, patient


async def test_survey_to_ticket_to_improvement_to_one_email_per_consenting_patient(
    client, settings, mail_server
):
    await install_library()
    department = await factories.department("Emergency Department")
    place = await factories.location()
    told, _ = await _respondent(department, place, {"improvement_updates"})
    await _respondent(department, place, set())  # did not consent
    _, unsubscribed = await _respondent(department, place, {"improvement_updates"})
    await suppress(f"p{unsubscribed}@example.org", "unsubscribed", settings.blind_index_key)
    await _respondent(department, place, {"improvement_updates"})
    tickets = [
        row["id"] for row in await Ticket.select(Ticket.id).where(Ticket.department == department)
    ]
    assert tickets

    lead = await factories.staff("lead", department)
    await sign_in(client, lead, factories.PASSWORD)
    token = await csrf_token(client, "/improvements/new")
    created = await client.post(
        "/improvements/new",
        data={
            "_csrf_token": token,
            "title": "More seats and hourly cleaning in the waiting room",
            "body": "We added 20 seats and the waiting room is now cleaned every hour.",
            "change_date": "2026-11-20",
            "tickets": [str(t) for t in tickets],
        },
    )
    assert created.status_code == 303
    page = await client.get(created.headers["location"])
    assert "<strong>3</strong> patients" in page.text  # consenting; suppression is at send time
    assert "You said, we did" in page.text
    improvement = await Improvement.select(Improvement.id).first()
    for _ in range(2):  # republishing tells no one twice
        published = await client.post(
            f"/improvements/{improvement['id']}/publish", data={"_csrf_token": token}
        )
        assert published.status_code == 303
    assert await OutboxMessage.count().where(OutboxMessage.kind == "improvement") == 3

    dispatcher = build_dispatcher(dataclasses.replace(settings, smtp_url=mail_server.url))
    result = await dispatcher.run_once()
    assert result.sent == 2 and result.skipped == 1  # the unsubscribed address is skipped
    recipients = sorted(str(m["To"]) for m in mail_server.mailbox.messages)
    assert len(recipients) == len(set(recipients)) == 2
    message = mail_server.mailbox.messages[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(preferencelist=("html",)) is not None
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "More seats" in body and "three hours" not in body  # no quotes of patients
    emailed_tracking = re.search(r"https?://[^/\s]+(/t/\S+)", body).group(1)
    assert "It led to a change" in (await client.get(emailed_tracking)).text
    assert "Emergency" not in body and "Emergency" not in str(message["Subject"])
    assert (await dispatcher.run_once()).sent == 0

    from datetime import UTC, datetime, timedelta

    from feedback.auth.roles import CurrentStaff, Role
    from feedback.services.loop_metrics import loop_figures

    viewer = CurrentStaff(0, "x@y.org", "X", Role.ADMIN, None, None)
    now = datetime.now(UTC)
    figures = await loop_figures(viewer, now - timedelta(days=1), now + timedelta(days=1))
    assert figures.negative_ticketed.value == 100.0
    assert figures.patients_told.value == 50.0 and figures.patients_told.n == 4
    assert figures.changes == 1 and figures.median_days_to_change is not None
    overview = await client.get("/")
    assert "Contributing patients told" in overview.text

    # The respondent's tracking page shows the change; the public page counts the feedback.
    thanks = await client.get(f"/s/{told}/thanks")
    tracking = re.search(r'href="(/t/[^"?]+)', thanks.text).group(1)
    journey = await client.get(tracking)
    assert "It led to a change" in journey.text and "More seats" in journey.text
    public = await client.get("/you-said-we-did")
    assert "More seats and hourly cleaning" in public.text
    assert "piece(s) of feedback led to this" in public.text


async def test_withdrawn_consent_is_checked_when_sending(client, settings, mail_server):
    await install_library()
    department = await factories.department("Radiology")
    place = await factories.location()
    _, patient = await _respondent(department, place, {"improvement_updates"})
    lead = await factories.staff("lead", department)
    await sign_in(client, lead, factories.PASSWORD)
    token = await csrf_token(client, "/improvements/new")
    tickets = [row["id"] for row in await Ticket.select(Ticket.id)]
    await client.post(
        "/improvements/new",
        data={
            "_csrf_token": token,
            "title": "Cleaner waiting room",
            "body": "Cleaned hourly.",
            "change_date": "2026-11-20",
            "tickets": [str(t) for t in tickets],
        },
    )
    improvement = await Improvement.select(Improvement.id).first()
    await client.post(f"/improvements/{improvement['id']}/publish", data={"_csrf_token": token})
    from datetime import UTC, datetime

    await Consent.update({Consent.withdrawn_at: datetime.now(UTC)}).where(
        Consent.patient == patient
    )
    dispatcher = build_dispatcher(dataclasses.replace(settings, smtp_url=mail_server.url))
    result = await dispatcher.run_once()
    assert result.sent == 0 and result.skipped == 1
    assert mail_server.mailbox.messages == []


async def test_tracking_pages_for_each_state_and_forged_links(client):
    bad = await client.get("/t/12.deadbeef")
    assert bad.status_code == 404
    await install_library()
    department = await factories.department("Cardiology")
    place = await factories.location()
    told, _ = await _respondent(department, place, set())
    thanks = await client.get(f"/s/{told}/thanks")
    tracking = re.search(r'href="(/t/[^"?]+)', thanks.text).group(1)
    page = await client.get(tracking)
    assert "Being worked on by: Cardiology" in page.text
    assert page.headers["cache-control"] == "no-store"
    await Ticket.update({Ticket.status: "closed", Ticket.resolution: "no_change"}, force=True)
    assert "nothing will change for now" in (await client.get(tracking)).text


async def test_dead_letters_are_shown_to_admins_with_a_retry_button(client):
    from integrations.email import OutgoingEmail, enqueue

    await enqueue(
        OutgoingEmail(
            kind="improvement",
            business_key="improvement:1:patient:1",
            recipient="someone@example.org",
            subject="s",
            text="t",
        )
    )
    await OutboxMessage.update(
        {OutboxMessage.status: "dead", OutboxMessage.last_error: "smtp 550 5.1.1"}, force=True
    )
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    page = await client.get("/admin/outbox")
    assert "smtp 550 5.1.1" in page.text and "someone@example.org" not in page.text
    token = await csrf_token(client, "/admin/outbox")
    message = await OutboxMessage.select(OutboxMessage.id).first()
    await client.post(f"/admin/outbox/{message['id']}/retry", data={"_csrf_token": token})
    assert (await OutboxMessage.select(OutboxMessage.status).first())["status"] == "pending"
    lead = await factories.staff("lead", await factories.department())
    await sign_in(client, lead, factories.PASSWORD)
    assert (await client.get("/admin/outbox")).status_code == 403
