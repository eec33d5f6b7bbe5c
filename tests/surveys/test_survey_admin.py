"""Administrators manage surveys: drafts, publishing, retiring, assignment, import/export."""

from __future__ import annotations

import csv
import io
import json

from feedback.services.survey_intake import take_survey_response
from surveys.service import (
    create_invitation,
    install_library,
    submit_invitation,
    survey_version_for,
)
from surveys.tables import SurveyVersion, Visit
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.fhir_validation import validate


async def _admin(client) -> str:
    await install_library()
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    return await csrf_token(client, "/admin/surveys")


async def test_the_library_is_listed_and_leads_are_kept_out(client):
    await _admin(client)
    page = await client.get("/admin/surveys")
    assert "Clinic visit (CAHPS-style)" in page.text and "not an official CAHPS" in page.text
    lead = await factories.staff("lead", await factories.department())
    await sign_in(client, lead, factories.PASSWORD)
    assert (await client.get("/admin/surveys")).status_code == 403
    assert (await client.get("/admin/surveys/short-nps/responses.csv")).status_code == 403


async def test_a_draft_is_edited_checked_previewed_and_published(client):
    token = await _admin(client)
    await client.post("/admin/surveys/short-nps/draft", data={"_csrf_token": token})
    exported = (await client.get("/admin/surveys/short-nps/export.json?version=1")).json()
    definition = {k: exported[k] for k in ("title", "description", "label", "questions")}
    bad = dict(
        definition,
        questions=[*definition["questions"], {"key": "Bad", "type": "slider", "text": {"en": "?"}}],
    )
    response = await client.post(
        "/admin/surveys/short-nps/draft/save",
        data={"definition": json.dumps(bad)},
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    assert response.status_code == 422
    assert "key must be lower-case" in response.text and "type must be one of" in response.text
    assert response.text.lstrip().startswith('<section class="card" id="draft"')
    not_json = await client.post(
        "/admin/surveys/short-nps/draft/save", data={"_csrf_token": token, "definition": "{oops"}
    )
    assert not_json.status_code == 422 and "Not valid JSON: line 1" in not_json.text

    good = dict(
        definition,
        questions=[
            *definition["questions"],
            {
                "key": "parking",
                "type": "yes_no",
                "required": False,
                "text": {"en": "Was parking easy?", "es": "¿Fue fácil aparcar?"},
            },
        ],
    )
    saved = await client.post(
        "/admin/surveys/short-nps/draft/save",
        data={"_csrf_token": token, "definition": json.dumps(good)},
    )
    assert saved.status_code == 200
    preview = await client.get("/admin/surveys/short-nps/preview?version=2&lang=es")
    assert "¿Fue fácil aparcar?" in preview.text and "Answers are not saved" in preview.text
    published = await client.post("/admin/surveys/short-nps/publish", data={"_csrf_token": token})
    assert published.status_code == 303
    statuses = {
        row["number"]: row["status"]
        for row in await SurveyVersion.select(SurveyVersion.number, SurveyVersion.status).where(
            SurveyVersion.survey.key == "short-nps"
        )
    }
    assert statuses == {1: "superseded", 2: "published"}
    # A published version cannot be changed: there is no draft any more.
    again = await client.post(
        "/admin/surveys/short-nps/draft/save",
        data={"_csrf_token": token, "definition": json.dumps(good)},
    )
    assert again.status_code == 422 and "Published versions cannot change" in again.text


async def test_retired_surveys_get_no_new_invitations_and_assignments_choose_the_survey(client):
    token = await _admin(client)
    place = await factories.location()
    assert await survey_version_for("telehealth", place) is not None
    await client.post(
        "/admin/surveys/short-nps/retire", data={"_csrf_token": token, "retired": "true"}
    )
    assert await survey_version_for("telehealth", place) is None
    response = await client.post(
        "/admin/surveys/clinic-visit/assignments",
        data={"_csrf_token": token, "visit_type": "telehealth", "location_id": str(place)},
    )
    assert response.status_code == 303
    chosen = await survey_version_for("telehealth", place)
    clinic = (
        await SurveyVersion.select(SurveyVersion.id)
        .where(SurveyVersion.survey.key == "clinic-visit")
        .first()
    )
    assert chosen == clinic["id"]
    wrong = await client.post(
        "/admin/surveys/clinic-visit/assignments", data={"_csrf_token": token, "visit_type": "spa"}
    )
    assert wrong.status_code == 422 and "visit type must be one of" in wrong.text


async def test_fhir_questionnaire_export_is_valid_and_imports_as_a_new_survey(client):
    token = await _admin(client)
    questionnaire = (await client.get("/admin/surveys/inpatient/questionnaire.fhir.json")).json()
    validate(questionnaire)
    assert questionnaire["resourceType"] == "Questionnaire"
    questionnaire["name"] = "day_surgery"
    questionnaire["title"] = "Day surgery"
    response = await client.post(
        "/admin/surveys/import",
        data={"_csrf_token": token},
        files={"file": ("day.json", json.dumps(questionnaire).encode(), "application/json")},
    )
    assert response.status_code == 303 and response.headers["location"] == (
        "/admin/surveys/day-surgery"
    )
    page = await client.get("/admin/surveys/day-surgery")
    assert "Draft version 1" in page.text
    broken = {
        "resourceType": "Questionnaire",
        "status": "active",
        "item": [{"linkId": "photo", "type": "attachment", "text": "Upload"}],
    }
    refused = await client.post(
        "/admin/surveys/import",
        data={"_csrf_token": token},
        files={"file": ("x.json", json.dumps(broken).encode(), "application/json")},
    )
    assert refused.status_code == 422 and "attachment" in refused.text


async def test_responses_export_as_csv_and_fhir_without_patient_identifiers(client):
    token = await _admin(client)
    department = await factories.department("Cardiology")
    place = await factories.location()
    visit = await factories.visit(department, place)
    await Visit.update({Visit.visit_type: "telehealth"}).where(Visit.id == visit)
    invitation = await create_invitation(visit, await survey_version_for("telehealth", place))
    await submit_invitation(
        invitation,
        {"recommend": ["9"], "improve": ['=HYPERLINK("http://x")']},
        "en",
        take_survey_response,
    )
    assert token
    text = (await client.get("/admin/surveys/short-nps/responses.csv")).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["recommend"] == "9" and rows[0]["department"] == "Cardiology"
    assert rows[0]["improve"].startswith("'=")  # formula neutralised
    assert "Patient" not in text and "T-" not in text  # no names, no MRNs
    bundle = (await client.get("/admin/surveys/short-nps/responses.fhir.json")).json()
    validate(bundle)
    [entry] = bundle["entry"]
    assert "subject" not in entry["resource"]
    validate(entry["resource"])


async def test_a_new_survey_starts_as_a_draft_and_bad_keys_are_refused(client):
    token = await _admin(client)
    created = await client.post(
        "/admin/surveys/new",
        data={"_csrf_token": token, "key": "day-surgery", "name": "Day surgery"},
    )
    assert created.status_code == 303
    page = await client.get("/admin/surveys/day-surgery")
    assert "Draft version 1" in page.text and "Publish version 1" in page.text
    refused = await client.post(
        "/admin/surveys/new", data={"_csrf_token": token, "key": "Day Surgery!", "name": ""}
    )
    assert refused.status_code == 422
    assert "key: use lower-case letters" in refused.text and "name: give the survey" in refused.text
    duplicate = await client.post(
        "/admin/surveys/new", data={"_csrf_token": token, "key": "short-nps", "name": "X"}
    )
    assert "already exists" in duplicate.text
