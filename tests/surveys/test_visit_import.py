"""Visits come in by CSV: every problem reported, a bad file imports nothing, and eligible
visits get an invitation whose email is queued in the outbox."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx

from integrations.email import is_suppressed, suppress
from integrations.tables import OutboxMessage
from surveys.patients import find_by_mrn
from surveys.service import install_library
from surveys.tables import Invitation, Patient, Visit
from tests import factories
from tests.conftest import TEST_SECRET_KEY, csrf_token, make_settings, sign_in

TODAY = dt.date.today()
KEY = make_settings("sqlite:///unused").blind_index_key
KEY_RING = factories.KEYRING
HEADER = (
    "external_id,mrn,given_name,family_name,email,phone,preferred_language,visit_date,"
    "visit_type,location,department,provider_name"
)


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def _row(
    n: int,
    *,
    email: str | None = None,
    date: dt.date | None = None,
    visit_type: str = "clinic",
    language: str = "en",
    mrn: str | None = None,
) -> str:
    return ",".join(
        [
            f"ENC-{n}",
            mrn or f"MRN-{n}",
            "Ana",
            f"Patient{n}",
            email if email is not None else f"ana{n}@example.org",
            "+1-555-0100",
            language,
            (date or TODAY - dt.timedelta(days=1)).isoformat(),
            visit_type,
            "riverside",
            "cardiology",
            "Dr. Who",
        ]
    )


async def _setup(client) -> None:
    await install_library()
    from surveys.tables import Department, Location

    await Location.insert(Location(name="Riverside", slug="riverside"))
    await Department.insert(Department(name="Cardiology", slug="cardiology"))
    admin = await factories.staff("admin")
    await sign_in(client, admin, factories.PASSWORD)


async def _upload(client, content: bytes, name: str = "visits.csv"):
    token = await csrf_token(client, "/admin/visits/import")
    return await client.post(
        "/admin/visits/import",
        data={"_csrf_token": token},
        files={"file": (name, content, "text/csv")},
    )


async def test_a_bad_file_reports_every_row_and_imports_nothing(client):
    await _setup(client)
    content = _csv(
        _row(1),
        _row(2, date=TODAY + dt.timedelta(days=3)),
        _row(3, email="not-an-email"),
        _row(4, visit_type="spa"),
        _row(1),
    )
    response = await _upload(client, content)
    assert response.status_code == 422
    text = response.text
    assert "Nothing was imported: 4 problems to fix" in text
    assert "row 3, visit_date: is in the future" in text
    assert "row 4, email: is not a valid email address" in text
    assert "row 5, visit_type: must be one of" in text
    assert "row 6, external_id: the same visit id is already on row 2" in text
    assert "not-an-email" not in text  # values are never echoed (they may be PHI)
    assert await Visit.count() == 0 and await Patient.count() == 0
    assert await OutboxMessage.count() == 0


async def test_a_good_file_imports_and_invites_only_eligible_visits(client):
    await _setup(client)
    await suppress(
        "opted.out@example.org", "unsubscribed", make_settings("sqlite:///x").blind_index_key
    )
    content = _csv(
        _row(1, language="es"),
        _row(2, email=""),
        _row(3, email="Opted.Out@example.org"),
        _row(4, date=TODAY - dt.timedelta(days=60)),
        _row(5, visit_type="emergency"),
        _row(6, mrn="MRN-1", language="es"),  # same patient: one invitation per 30 days
    )
    response = await _upload(client, content)
    assert response.status_code == 200, response.text
    assert "6 new visits" in response.text
    assert "2 survey invitations queued for email" in response.text
    assert "1 not invited: no valid email address" in response.text
    assert "1 not invited: opted out or undeliverable" in response.text
    assert "1 not invited: visit too long ago" in response.text
    assert "1 not invited: invited in the last 30 days" in response.text
    assert await Patient.count() == 5
    messages = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert len(messages) == 2 == await Invitation.count()
    spanish = messages[0]
    assert spanish["subject"] == "¿Qué tal fue su visita reciente?"
    link = re.search(r"http://127\.0\.0\.1:8000/s/([A-Za-z0-9_-]{43})", spanish["body_text"])
    assert link, "the email carries the survey link"
    for message in messages:  # no PHI in subject or body: no name, no department, no date
        for text in (message["subject"], message["body_text"]):
            assert "Ana" not in text and "Patient" not in text and "Cardiology" not in text
            assert TODAY.isoformat() not in text
    page = await client.get(f"/s/{link.group(1)}")
    assert page.status_code == 200 and "Su visita reciente a la clínica" in page.text


async def test_importing_the_same_file_twice_adds_nothing(client):
    await _setup(client)
    content = _csv(_row(1), _row(2))
    assert (await _upload(client, content)).status_code == 200
    again = await _upload(client, content)
    assert "0 new visits, 2 already imported before (skipped)" in again.text
    assert await Visit.count() == 2 and await Invitation.count() == 2


async def test_only_admins_import_visits(client):
    lead = await factories.staff("lead", await factories.department())
    await sign_in(client, lead, factories.PASSWORD)
    assert (await client.get("/admin/visits/import")).status_code == 403


def test_settings_key_is_stable():
    assert (
        make_settings("sqlite:///a").blind_index_key == make_settings("sqlite:///b").blind_index_key
    )
    assert TEST_SECRET_KEY.encode() not in make_settings("sqlite:///a").blind_index_key


async def test_the_invitation_email_reaches_a_real_smtp_server_and_its_link_works(
    client, mail_server, settings
):
    await _setup(client)
    assert (await _upload(client, _csv(_row(7)))).status_code == 200
    from dataclasses import replace

    from feedback.worker import build_dispatcher

    dispatcher = build_dispatcher(replace(settings, smtp_url=mail_server.url))
    result = await dispatcher.run_once()
    assert result.sent == 1
    [message] = mail_server.mailbox.messages
    assert message["To"] == "ana7@example.org"
    assert message["Subject"] == "How was your recent visit?"
    assert message["Message-ID"].startswith("<outbox-")
    body = message.get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"/s/([A-Za-z0-9_-]{43})", body).group(1)
    page = await client.get(f"/s/{token}")
    assert page.status_code == 200 and "Your recent clinic visit" in page.text
    assert (await dispatcher.run_once()).sent == 0  # sent once, never again


async def test_one_reminder_goes_to_non_responders_and_its_link_opens_the_same_survey(client):
    from surveys.visits import send_reminders

    await _setup(client)
    assert (await _upload(client, _csv(_row(1), _row(2)))).status_code == 200
    _unanswered, second = await Invitation.select().order_by(Invitation.id)
    # The second patient answers; the first does not.
    await Invitation.update({Invitation.used_at: dt.datetime.now(dt.UTC)}).where(
        Invitation.id == second["id"]
    )
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    assert (
        await send_reminders(
            base_url="http://127.0.0.1:8000",
            delay=dt.timedelta(days=5),
            suppression_key=KEY,
            keyring=KEY_RING,
            now=dt.datetime.now(dt.UTC),
        )
        == 0
    )  # not yet due
    assert (
        await send_reminders(
            base_url="http://127.0.0.1:8000",
            delay=dt.timedelta(days=5),
            now=later,
            suppression_key=KEY,
            keyring=KEY_RING,
        )
        == 1
    )
    assert (
        await send_reminders(
            base_url="http://127.0.0.1:8000",
            delay=dt.timedelta(days=5),
            now=later,
            suppression_key=KEY,
            keyring=KEY_RING,
        )
        == 0
    )  # one reminder, never two
    reminder = await OutboxMessage.select().where(OutboxMessage.kind == "survey_reminder").first()
    assert reminder["subject"] == "A reminder: how was your recent visit?"
    token = re.search(r"/s/([A-Za-z0-9_-]{43})", reminder["body_text"]).group(1)
    page = await client.get(f"/s/{token}")
    assert page.status_code == 200 and "Your recent clinic visit" in page.text
    assert await OutboxMessage.count() == 3


async def test_one_click_unsubscribe_works_without_cookies_and_get_never_unsubscribes(client):
    await _setup(client)
    assert (await _upload(client, _csv(_row(1)))).status_code == 200
    message = await OutboxMessage.select().first()
    headers = message["headers"]
    headers = json.loads(headers) if isinstance(headers, str) else headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert "ana1" not in url and "example.org" not in url.split("/unsubscribe/")[1]
    assert url in message["body_text"]
    path = url.removeprefix("http://127.0.0.1:8000")
    for _ in range(2):  # a mail scanner following the link
        page = await client.get(path)
        assert page.status_code == 200 and "Stop emails to this address" in page.text
    assert not await is_suppressed("ana1@example.org", KEY)
    cookieless = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with cookieless:
        done = await cookieless.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "will not receive our emails" in done.text
    assert await is_suppressed("ana1@example.org", KEY)
    forged = await client.post(path[:-4] + "abcd", data={})
    assert forged.status_code == 404


async def test_unsubscribed_patients_are_not_invited_again(client):
    await _setup(client)
    await suppress("ana1@example.org", "unsubscribed", KEY)
    response = await _upload(client, _csv(_row(1)))
    assert "1 not invited: opted out or undeliverable" in response.text


def _bundle(visit_day: dt.date, department: str = "cardiology") -> dict:
    patient = "urn:uuid:8a1f0c36-0d55-4b8e-9a52-1f0c5a1d7e01"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": patient,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "MRN-F1"}],
                    "name": [{"family": "Okafor", "given": ["Ngozi"]}],
                    "telecom": [{"system": "email", "value": "ngozi@example.org"}],
                    "communication": [
                        {"language": {"coding": [{"code": "es"}]}, "preferred": True}
                    ],
                },
            },
            {
                "fullUrl": "urn:uuid:8a1f0c36-0d55-4b8e-9a52-1f0c5a1d7e02",
                "resource": {
                    "resourceType": "Encounter",
                    "status": "finished",
                    "identifier": [{"value": "FHIR-ENC-1"}],
                    "class": {"code": "AMB"},
                    "subject": {"reference": patient},
                    "period": {"start": f"{visit_day.isoformat()}T09:00:00Z"},
                    "serviceType": {"coding": [{"code": department}]},
                    "location": [{"location": {"identifier": {"value": "riverside"}}}],
                },
            },
        ],
    }


async def test_a_fhir_bundle_imports_visits_and_invites(client):
    await _setup(client)
    content = json.dumps(_bundle(TODAY - dt.timedelta(days=1))).encode()
    response = await _upload(client, content, name="encounters.json")
    assert response.status_code == 200, response.text
    assert "1 new visit" in response.text and "1 survey invitation queued" in response.text
    patient = (
        await Patient.select().where(Patient.id == await find_by_mrn(KEY_RING, "MRN-F1")).first()
    )
    assert patient["preferred_language"] == "es"
    visit = await Visit.select().first()
    assert visit["external_id"] == "FHIR-ENC-1" and visit["visit_type"] == "clinic"


async def test_a_fhir_bundle_with_unknown_codes_imports_nothing(client):
    await _setup(client)
    content = json.dumps(_bundle(TODAY, department="oncology")).encode()
    response = await _upload(client, content, name="encounters.json")
    assert response.status_code == 422
    assert "department is not a known department code" in response.text
    assert await Visit.count() == 0
    broken = await _upload(client, b"{not json", name="encounters.json")
    assert broken.status_code == 422 and "not valid JSON" in broken.text
