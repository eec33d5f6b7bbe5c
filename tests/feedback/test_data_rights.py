"""A patient's data rights: export everything held, erasure that keeps the figures, and the
retention period."""

from __future__ import annotations

import datetime as dt
import json

from feedback.services.data_rights import ERASED, purge_expired
from feedback.services.feedback_items import NewFeedback, item_columns
from feedback.tables import AuditEvent, FeedbackItem
from integrations.email import OutgoingEmail, enqueue
from integrations.email.suppression import is_suppressed
from integrations.tables import OutboxMessage
from surveys.patients import read_patient
from surveys.sealed_text import FEEDBACK_TEXT, seal
from surveys.tables import Consent, Visit
from tests import factories
from tests.conftest import csrf_token, sign_in

COMMENT = "Nurse Okafor was lovely but my discharge letter had the wrong medication."


async def _patient_with_history(days_ago: int = 3) -> tuple[int, int]:
    department = await factories.department()
    location = await factories.location()
    patient = await factories.patient(email="ada.canary@example.org", given_name="Ada")
    visit = (
        await Visit.insert(
            Visit(
                patient=patient,
                location=location,
                department=department,
                visit_date=dt.date.today() - dt.timedelta(days=days_ago),
                visit_type="clinic",
            )
        ).returning(Visit.id)
    )[0]["id"]
    await Consent.insert(
        Consent(
            patient=patient, channel="email", purpose="improvement_updates", wording_version="v1"
        )
    )
    # Stored as a survey response's comment is: sealed, bound to its row.
    crypto_id, sealed = seal(factories.KEYRING, FEEDBACK_TEXT, COMMENT)
    columns = item_columns(
        NewFeedback(
            source="survey",
            text=COMMENT,
            rating=3,
            rating_scale=10,
            department_id=department,
            visit_id=visit,
            patient_id=patient,
        )
    )
    await FeedbackItem.insert(FeedbackItem(**{**columns, "text": sealed, "crypto_id": crypto_id}))
    await enqueue(
        OutgoingEmail(
            kind="improvement",
            business_key=f"improvement:1:patient:{patient}",
            recipient="ada.canary@example.org",
            subject="What changed because of your feedback",
            text="…",
        ),
        factories.KEYRING,
    )
    return patient, department


async def test_an_admin_exports_then_erases_a_patient_and_the_figures_stay(client) -> None:
    patient, department = await _patient_with_history()
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    token = await csrf_token(client, "/admin/patients/")

    found = await client.post(
        "/admin/patients/find", data={"_csrf_token": token, "query": "ADA.canary@example.org"}
    )
    assert "1 patient found" in found.text and "Ada" in found.text

    export = await client.get(f"/admin/patients/{patient}/export.json")
    assert export.headers["content-disposition"] == f'attachment; filename="patient-{patient}.json"'
    data = json.loads(export.text)
    assert data["patient"]["email"] == "ada.canary@example.org"
    assert [item["text"] for item in data["feedback"]] == [COMMENT]
    assert data["consents"][0]["purpose"] == "improvement_updates"
    assert [email["kind"] for email in data["emails"]] == ["improvement"]

    refused = await client.post(
        f"/admin/patients/{patient}/erase", data={"_csrf_token": token, "confirm": "yes"}
    )
    assert refused.status_code == 303
    assert (await read_patient(factories.KEYRING, patient))["email"] == "ada.canary@example.org"

    erased = await client.post(
        f"/admin/patients/{patient}/erase", data={"_csrf_token": token, "confirm": "ERASE"}
    )
    assert erased.status_code == 303
    details = await read_patient(factories.KEYRING, patient)
    assert (details["given_name"], details["email"], details["phone"]) == ("", "", "")
    item = await FeedbackItem.select().first()
    # The words and the link to the person are gone; what the figures count is kept.
    assert item["text"] == ERASED and item["patient"] is None and item["crypto_id"] == ""
    assert item["rating"] == 3 and item["sentiment"] in ("negative", "mixed")
    assert item["department"] == department
    assert await Visit.count() == 1
    consent = await Consent.select().first()
    assert consent["withdrawn_at"] is not None
    email = await OutboxMessage.select().first()
    assert email["status"] == "cancelled" and email["recipient"] == ""
    assert await is_suppressed("ada.canary@example.org", client_key())
    actions = {row["action"] for row in await AuditEvent.select(AuditEvent.action)}
    assert {"patient.searched", "patient.exported", "patient.erased"} <= actions
    assert not (
        await client.post(
            "/admin/patients/find", data={"_csrf_token": token, "query": "ada.canary@example.org"}
        )
    ).text.count("Download everything held")


def client_key() -> bytes:
    from tests.conftest import make_settings

    return make_settings("sqlite:///unused").blind_index_key


async def test_retention_erases_patients_without_a_recent_visit(db) -> None:
    old, _ = await _patient_with_history(days_ago=400)
    key = client_key()
    assert await purge_expired(factories.KEYRING, 0, suppression_key=key) == 0
    assert await purge_expired(factories.KEYRING, 365, suppression_key=key) == 1
    assert (await read_patient(factories.KEYRING, old))["email"] == ""
    assert await purge_expired(factories.KEYRING, 365, suppression_key=key) == 0  # once


async def test_only_admins_handle_patient_requests(client) -> None:
    await sign_in(client, await factories.staff("executive"), factories.PASSWORD)
    assert (await client.get("/admin/patients/")).status_code == 403


async def test_the_service_itself_refuses_anyone_but_an_admin(db) -> None:
    import pytest

    from feedback.auth.roles import CurrentStaff, Role
    from feedback.services.data_rights import DataRightsError, erase_patient, export_patient

    patient, department = await _patient_with_history()
    lead = CurrentStaff(9, "lead@h.org", "Lee", Role.LEAD, department, "Cardiology")
    with pytest.raises(DataRightsError):
        await export_patient(lead, factories.KEYRING, patient)
    with pytest.raises(DataRightsError):
        await erase_patient(factories.KEYRING, patient, suppression_key=client_key(), actor=lead)
    assert (await read_patient(factories.KEYRING, patient))["email"] == "ada.canary@example.org"
