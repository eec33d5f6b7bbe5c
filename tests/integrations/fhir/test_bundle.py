"""FHIR R4 Bundle of Patient + Encounter -> visit records, every problem with its entry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from integrations.fhir import RowProblem, VisitRecord, visits_from_bundle

MARIA = "urn:uuid:7f0d7a52-6c1b-4d0e-9a53-0b3a4f1e2c01"
JOHN = "urn:uuid:1c9e58a4-3b7f-4a55-8e2d-55f0c3a9b702"
ANN = "https://ehr.example.org/fhir/Patient/p-300"
MAIN_CAMPUS = "urn:uuid:0e6b9d11-2f4c-4c1a-b0f7-9d2e7c3a5b03"
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}


def entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    method = "PUT" if "id" in resource else "POST"
    url = resource["resourceType"] + (f"/{resource['id']}" if "id" in resource else "")
    return {"fullUrl": full_url, "resource": resource, "request": {"method": method, "url": url}}


def encounter(subject: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Encounter", "status": "finished", "subject": {"reference": subject},
            **fields}  # fmt: skip


def amb(code: str) -> dict[str, str]:
    return {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": code}


def realistic_bundle() -> dict[str, Any]:
    maria = {
        "resourceType": "Patient",
        "identifier": [
            {"system": "http://insurer.example.org/member", "value": "INS-778812"},
            {"type": MR, "system": "http://hospital.example.org/mrn", "value": "MRN-1001"},
        ],
        "name": [
            {"use": "maiden", "family": "López", "given": ["María"]},
            {"use": "official", "family": "García López", "given": ["María", "José"]},
        ],
        "telecom": [
            {"system": "phone", "value": "555-0100", "use": "home"},
            {"system": "phone", "value": "555-0101", "use": "mobile"},
            {"system": "email", "value": "maria@example.org"},
        ],
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-MX"}]},
             "preferred": True},
        ],
    }  # fmt: skip
    john = {
        "resourceType": "Patient",
        "identifier": [{"system": "http://hospital.example.org/mrn", "value": "MRN-2002"}],
        "name": [{"family": "Smith", "given": ["John"]}],
        "telecom": [{"system": "email", "value": "john.smith@example.org"}],
        "communication": [{"language": {"text": "English"}, "preferred": True}],
    }
    ann = {
        "resourceType": "Patient",
        "id": "p-300",
        "identifier": [{"type": MR, "value": "MRN-3003"}],
        "name": [{"family": "Lee", "given": ["Ann"]}],
    }
    campus = {
        "resourceType": "Location",
        "identifier": [{"value": "LOC-MAIN"}],
        "name": "Main campus",
    }
    organization = {"resourceType": "Organization", "id": "org-1", "name": "General Hospital"}
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            entry(MARIA, maria),
            entry(MAIN_CAMPUS, campus),
            entry(MARIA.replace("01", "99"), encounter(
                MARIA,
                identifier=[{"system": "http://hospital.example.org/visit", "value": "V-1"}],
                **{"class": amb("AMB")},
                period={"start": "2025-03-01T09:15:00-05:00", "end": "2025-03-01T10:00:00-05:00"},
                serviceType={"coding": [{"code": "CARD", "display": "Cardiology"}]},
                participant=[{"individual": {"display": "Dr. Rivera"}}],
                location=[{"location": {"reference": MAIN_CAMPUS}}],
            )),
            entry(JOHN, john),
            entry("https://ehr.example.org/fhir/Encounter/enc-2", encounter(
                MARIA,
                id="enc-2",
                **{"class": amb("EMER")},
                period={"start": "2025-03-03"},
                location=[{"location": {"identifier": {"value": "ED-1"}, "display": "ED"}}],
                serviceProvider={"display": "Emergency Department"},
            )),
            entry("https://ehr.example.org/fhir/Organization/org-1", organization),
            entry("urn:uuid:5b1f1e0e-8a43-4b32-9a3b-4e6c7d8e9f05", encounter(
                JOHN,
                identifier=[{"value": "V-3"}],
                **{"class": amb("IMP")},
                period={"start": "2025-02-27T23:30:00Z"},
                location=[{"location": {"display": "West Wing 4"}}],
                serviceProvider={"identifier": {"value": "MED"}},
            )),
            entry(ANN, ann),
            entry("urn:uuid:5b1f1e0e-8a43-4b32-9a3b-4e6c7d8e9f06", encounter(
                "Patient/p-300",
                identifier=[{"value": "V-4"}],
                **{"class": amb("VR")},
                period={"start": "2025-03-04T08:00:00+01:00"},
                location=[{"location": {"reference": "Location/tele-1"}}],
            )),
        ],
    }  # fmt: skip


def test_the_realistic_bundle_is_valid_fhir(validate):
    validate(realistic_bundle())


def test_a_realistic_bundle_gives_one_visit_per_encounter():
    visits, problems = visits_from_bundle(realistic_bundle())
    assert problems == []
    maria = dict(
        mrn="MRN-1001", given_name="María José", family_name="García López",
        email="maria@example.org", phone="555-0101", preferred_language="es",
    )  # fmt: skip
    assert visits == [
        VisitRecord(
            **maria, external_id="V-1", visit_date=date(2025, 3, 1), visit_type="clinic",
            location_code="LOC-MAIN", department_code="CARD", provider_name="Dr. Rivera",
        ),
        VisitRecord(
            **maria, external_id="enc-2", visit_date=date(2025, 3, 3), visit_type="emergency",
            location_code="ED-1", department_code="Emergency Department", provider_name=None,
        ),
        VisitRecord(
            mrn="MRN-2002", given_name="John", family_name="Smith",
            email="john.smith@example.org", phone=None, preferred_language="en",
            external_id="V-3", visit_date=date(2025, 2, 27), visit_type="inpatient",
            location_code="West Wing 4", department_code="MED", provider_name=None,
        ),
        VisitRecord(
            mrn="MRN-3003", given_name="Ann", family_name="Lee", email=None, phone=None,
            preferred_language="en", external_id="V-4", visit_date=date(2025, 3, 4),
            visit_type="telehealth", location_code="tele-1", department_code=None,
            provider_name=None,
        ),
    ]  # fmt: skip


@pytest.mark.parametrize("bundle_type", ["collection", "batch"])
def test_collection_and_batch_bundles_are_read_too(bundle_type):
    bundle = {**realistic_bundle(), "type": bundle_type}
    visits, problems = visits_from_bundle(bundle)
    assert problems == [] and len(visits) == 4


@pytest.mark.parametrize(
    ("code", "visit_type"),
    [("AMB", "clinic"), ("EMER", "emergency"), ("IMP", "inpatient"), ("ACUTE", "inpatient"),
     ("VR", "telehealth"), ("HH", "outpatient"), ("OBSENC", "outpatient"), (None, "outpatient")],
)  # fmt: skip
def test_encounter_class_gives_the_visit_type(code, visit_type):
    bundle = realistic_bundle()
    first = bundle["entry"][2]["resource"]
    if code is None:
        del first["class"]
    else:
        first["class"] = amb(code)
    visits, problems = visits_from_bundle(bundle)
    assert problems == [] and visits[0].visit_type == visit_type


def test_cancelled_encounters_are_no_visits():
    bundle = realistic_bundle()
    bundle["entry"][2]["resource"]["status"] = "cancelled"
    bundle["entry"][4]["resource"]["status"] = "entered-in-error"
    visits, problems = visits_from_bundle(bundle)
    assert problems == [] and [visit.external_id for visit in visits] == ["V-3", "V-4"]


SECRETS = ("Jane", "Secret", "jane@example.org", "MRN-SECRET-9", "Hidden", "555-0199",
           "2025-02-30", "2025-03", "p-900")  # fmt: skip


def broken_bundle() -> dict[str, Any]:
    bob = "urn:uuid:bob"
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:jane", "resource": {
                "resourceType": "Patient", "name": [{"family": "Secret", "given": ["Jane"]}],
                "telecom": [{"system": "email", "value": "jane@example.org"}],
                "identifier": [{"system": "http://hospital.example.org/mrn"}],
            }},
            {"fullUrl": bob, "resource": {
                "resourceType": "Patient", "identifier": [{"type": MR, "value": "MRN-SECRET-9"}],
                "name": [{"family": "Hidden", "given": ["Bob"]}],
                "telecom": [{"system": "phone", "value": "555-0199"}],
            }},
            {"resource": encounter("Patient/p-900", id="e3", period={"start": "2025-03-01"})},
            {"resource": encounter(bob, id="e4")},
            {"resource": encounter(bob, id="e5", period={"start": "2025-02-30"})},
            {"resource": encounter(bob, id="e6", period={"start": "2025-03"})},
            {"resource": {"resourceType": "Observation", "status": "final"}},
            {"request": {"method": "DELETE", "url": "Encounter/old"}},
            {"resource": encounter("urn:uuid:jane", id="e9", period={"start": "2025-03-01"})},
            {"resource": encounter(bob, period={"start": "2025-03-01"})},
            {"resource": encounter(bob, identifier=[{"value": "V-7"}],
                                   period={"start": "2025-03-01"})},
            {"resource": encounter(bob, identifier=[{"value": "V-7"}],
                                   period={"start": "2025-03-02"})},
            {"resource": encounter(bob, id="e13", period="2025-03-01")},
            {"resource": encounter(bob, id="e14", period={"start": "2025-03-01"})},
        ],
    }  # fmt: skip


def test_a_broken_bundle_reports_every_problem_with_its_entry():
    visits, problems = visits_from_bundle(broken_bundle())
    assert problems == [
        RowProblem(1, "Patient has no identifier (MRN)"),
        RowProblem(3, "Encounter's subject is not a Patient in this bundle"),
        RowProblem(4, "Encounter has no period.start (the visit date)"),
        RowProblem(5, "Encounter period.start is not a valid FHIR date with day"),
        RowProblem(6, "Encounter period.start is not a valid FHIR date with day"),
        RowProblem(8, "entry has no resource"),
        RowProblem(10, "Encounter has neither an identifier nor an id"),
        RowProblem(12, "Encounter repeats the identifier of entry 11"),
        RowProblem(13, "resource is not valid FHIR JSON (a field has the wrong shape)"),
    ]
    # The caller imports nothing when there are problems; the good rows are still parsed.
    assert [visit.external_id for visit in visits] == ["V-7", "e14"]


def test_problem_messages_carry_no_patient_data():
    _, problems = visits_from_bundle(broken_bundle())
    text = " ".join(problem.message for problem in problems)
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        ([], "not a FHIR Bundle (resourceType must be 'Bundle')"),
        ({"resourceType": "Patient"}, "not a FHIR Bundle (resourceType must be 'Bundle')"),
        ({"resourceType": "Bundle", "type": "document", "entry": []},
         "Bundle type must be one of transaction, collection, batch, searchset"),
        ({"resourceType": "Bundle", "type": "collection"}, "Bundle has no entry list"),
    ],
)  # fmt: skip
def test_what_is_not_a_usable_bundle_is_entry_zero(bundle, message):
    assert visits_from_bundle(bundle) == ([], [RowProblem(0, message)])


def test_a_subject_may_name_the_patient_by_identifier():
    bundle = realistic_bundle()
    bundle["entry"][2]["resource"]["subject"] = {"identifier": {"value": "MRN-2002"}}
    visits, problems = visits_from_bundle(bundle)
    assert problems == [] and visits[0].mrn == "MRN-2002"
