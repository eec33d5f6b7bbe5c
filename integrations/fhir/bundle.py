"""FHIR R4 Bundle of Patient + Encounter resources -> visit records to import.

The caller imports all or nothing, so every problem is collected, each naming its entry
(numbered from 1 as a person counts them; 0 is the Bundle itself). Messages never contain patient
data: no names, contact details, identifiers, resource ids or dates, only what is wrong and where.
Resources other than Patient and Encounter are ignored (a Location may still name a visit's
location). Cancelled and entered-in-error encounters are skipped: they were no visit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from integrations.fhir.bundle_fields import (
    class_code,
    department_code,
    has_code,
    location_code,
    pick,
    preferred_language,
    provider_name,
    visit_date_of,
)

T = TypeVar("T")
BUNDLE_TYPES = ("transaction", "collection", "batch", "searchset")
MRN_TYPE_CODE = "MR"
SKIPPED_STATUSES = ("cancelled", "entered-in-error")
VISIT_TYPES = {
    "AMB": "clinic",
    "EMER": "emergency",
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "VR": "telehealth",
}
DEFAULT_VISIT_TYPE = "outpatient"


@dataclass(frozen=True)
class VisitRecord:
    mrn: str
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    preferred_language: str
    external_id: str
    visit_date: date
    visit_type: str
    location_code: str | None
    department_code: str | None
    provider_name: str | None


@dataclass(frozen=True)
class RowProblem:
    entry: int
    message: str


@dataclass(frozen=True)
class _Patient:
    mrn: str
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    preferred_language: str
    identifiers: tuple[str, ...]


def visits_from_bundle(bundle: dict[str, Any]) -> tuple[list[VisitRecord], list[RowProblem]]:
    """One VisitRecord per Encounter, and every problem found (import nothing if any)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return [], [RowProblem(0, "not a FHIR Bundle (resourceType must be 'Bundle')")]
    problems: list[RowProblem] = []
    if bundle.get("type") not in BUNDLE_TYPES:
        problems.append(RowProblem(0, f"Bundle type must be one of {', '.join(BUNDLE_TYPES)}"))
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        problems.append(RowProblem(0, "Bundle has no entry list"))
        entries = []
    resources: list[tuple[int, dict[str, Any]]] = []
    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(RowProblem(number, "entry has no resource"))
            continue
        resources.append((number, resource))
    patients, locations = _index(entries, resources, problems)
    visits: list[VisitRecord] = []
    seen: dict[str, int] = {}
    for number, resource in resources:
        if resource.get("resourceType") != "Encounter":
            continue
        if resource.get("status") in SKIPPED_STATUSES:
            continue
        visit = _guarded(number, problems, _visit, number, resource, patients, locations, problems)
        if visit is None:
            continue
        if visit.external_id in seen:
            message = f"Encounter repeats the identifier of entry {seen[visit.external_id]}"
            problems.append(RowProblem(number, message))
            continue
        seen[visit.external_id] = number
        visits.append(visit)
    return visits, sorted(problems, key=lambda problem: problem.entry)


def _index(
    entries: list[Any],
    resources: list[tuple[int, dict[str, Any]]],
    problems: list[RowProblem],
) -> tuple[dict[str, _Patient | None], dict[str, dict[str, Any]]]:
    """Patients by every reference that may point at them (None: a patient with problems)."""
    patients: dict[str, _Patient | None] = {}
    locations: dict[str, dict[str, Any]] = {}
    for number, resource in resources:
        kind = resource.get("resourceType")
        if kind not in ("Patient", "Location"):
            continue
        keys = _reference_keys(entries[number - 1].get("fullUrl"), kind, resource.get("id"))
        if kind == "Location":
            locations.update(dict.fromkeys(keys, resource))
            continue
        patient = _guarded(number, problems, _patient, number, resource, problems)
        if patient is not None:
            keys |= {f"identifier|{value}" for value in patient.identifiers}
        if any(key in patients for key in keys if not key.startswith("identifier|")):
            problems.append(RowProblem(number, "Patient repeats the fullUrl or id of another"))
        patients.update(dict.fromkeys(keys, patient))
    return patients, locations


def _guarded(
    number: int, problems: list[RowProblem], read: Callable[..., T], *args: Any
) -> T | None:
    """Run `read`, turning a field of the wrong JSON shape into a problem of its entry."""
    try:
        return read(*args)
    except (AttributeError, TypeError, IndexError, KeyError, ValueError):
        problems.append(
            RowProblem(number, "resource is not valid FHIR JSON (a field has the wrong shape)")
        )
        return None


def _reference_keys(full_url: Any, kind: str, resource_id: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(full_url, str) and full_url:
        keys.add(full_url)
        if f"/{kind}/" in full_url:
            keys.add(kind + "/" + full_url.rsplit(f"/{kind}/", 1)[1].split("/_history", 1)[0])
    if isinstance(resource_id, str) and resource_id:
        keys.add(f"{kind}/{resource_id}")
    return keys


def _patient(number: int, resource: dict[str, Any], problems: list[RowProblem]) -> _Patient | None:
    identifiers = [
        identifier
        for identifier in resource.get("identifier") or []
        if isinstance(identifier, dict)
        and isinstance(identifier.get("value"), str)
        and identifier["value"].strip()
    ]
    if not identifiers:
        problems.append(RowProblem(number, "Patient has no identifier (MRN)"))
        return None
    mrn = next((i for i in identifiers if has_code(i.get("type"), MRN_TYPE_CODE)), None)
    name = pick(resource.get("name"), "use", ("official", "usual"))
    given = [part for part in name.get("given") or [] if isinstance(part, str) and part]
    family = name.get("family")
    telecom = [t for t in resource.get("telecom") or [] if isinstance(t, dict) and t.get("value")]
    email = next((t["value"] for t in telecom if t.get("system") == "email"), None)
    phones = [t for t in telecom if t.get("system") in ("phone", "sms")]
    phone = pick(phones, "use", ("mobile",)).get("value")
    return _Patient(
        mrn=(mrn or identifiers[0])["value"].strip(),
        given_name=" ".join(given) or None,
        family_name=family if isinstance(family, str) and family else None,
        email=email,
        phone=phone,
        preferred_language=preferred_language(resource.get("communication")),
        identifiers=tuple(identifier["value"].strip() for identifier in identifiers),
    )


def _visit(
    number: int,
    encounter: dict[str, Any],
    patients: dict[str, _Patient | None],
    locations: dict[str, dict[str, Any]],
    problems: list[RowProblem],
) -> VisitRecord | None:
    found: list[str] = []
    subject = encounter.get("subject") or {}
    reference = subject.get("reference")
    keys = list(_reference_keys(reference, "Patient", None)) if isinstance(reference, str) else []
    if isinstance((subject.get("identifier") or {}).get("value"), str):
        keys.append(f"identifier|{subject['identifier']['value'].strip()}")
    key = next((key for key in keys if key in patients), None)
    patient = patients.get(key) if key else None
    if key is None:
        found.append("Encounter's subject is not a Patient in this bundle")
    identifier = pick(
        [i for i in encounter.get("identifier") or [] if isinstance(i, dict) and i.get("value")],
        "use",
        ("official", "usual"),
    )
    external_id = identifier.get("value") or encounter.get("id")
    if not isinstance(external_id, str) or not external_id:
        found.append("Encounter has neither an identifier nor an id")
    start = (encounter.get("period") or {}).get("start")
    visit_date = visit_date_of(start)
    if start is None:
        found.append("Encounter has no period.start (the visit date)")
    elif visit_date is None:
        found.append("Encounter period.start is not a valid FHIR date with day")
    problems.extend(RowProblem(number, message) for message in found)
    if found or patient is None or visit_date is None or not isinstance(external_id, str):
        return None
    return VisitRecord(
        mrn=patient.mrn,
        given_name=patient.given_name,
        family_name=patient.family_name,
        email=patient.email,
        phone=patient.phone,
        preferred_language=patient.preferred_language,
        external_id=external_id,
        visit_date=visit_date,
        visit_type=VISIT_TYPES.get(class_code(encounter.get("class")), DEFAULT_VISIT_TYPE),
        location_code=location_code(encounter, locations),
        department_code=department_code(encounter),
        provider_name=provider_name(encounter),
    )
