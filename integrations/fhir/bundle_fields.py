"""Reading single fields of Patient and Encounter resources, R4 first (R5 shapes accepted)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T.*)?$")


def visit_date_of(value: Any) -> date | None:
    """The calendar date of a FHIR date/dateTime as written (the facility's local day)."""
    if not isinstance(value, str) or not _FULL_DATE.match(value):
        return None
    try:
        if "T" not in value:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def class_code(value: Any) -> str:
    """Encounter.class: a Coding in R4 (a list of CodeableConcept in R5, accepted too)."""
    if isinstance(value, list):
        value = ((value[0] if value else {}).get("coding") or [{}])[0]
    code = value.get("code") if isinstance(value, dict) else None
    return code.upper() if isinstance(code, str) else ""


def location_code(encounter: dict[str, Any], locations: dict[str, dict[str, Any]]) -> str | None:
    first = (encounter.get("location") or [{}])[0] or {}
    location = first.get("location") or {}
    value = (location.get("identifier") or {}).get("value")
    reference = location.get("reference")
    if not value and isinstance(reference, str):
        resource = locations.get(reference) or {}
        identifiers = [i for i in resource.get("identifier") or [] if i.get("value")]
        value = identifiers[0]["value"] if identifiers else resource.get("id")
        if not value and not reference.startswith("urn:"):
            value = reference.rstrip("/").rsplit("/", 1)[-1]
    return value or location.get("display") or None


def department_code(encounter: dict[str, Any]) -> str | None:
    service = encounter.get("serviceType")
    if isinstance(service, list):  # R5: CodeableReference list
        service = (service[0] if service else {}).get("concept")
    codings = (service or {}).get("coding") or [{}]
    if codings[0].get("code"):
        return str(codings[0]["code"])
    provider = encounter.get("serviceProvider") or {}
    return (provider.get("identifier") or {}).get("value") or provider.get("display") or None


def provider_name(encounter: dict[str, Any]) -> str | None:
    first = (encounter.get("participant") or [{}])[0] or {}
    individual = first.get("individual") or first.get("actor") or {}  # R4 / R5
    return individual.get("display") or None


def preferred_language(communication: Any) -> str:
    chosen = pick(communication, "preferred", (True,))
    language = chosen.get("language") or {}
    for coding in language.get("coding") or []:
        code = str(coding.get("code", "")).lower()
        if code.split("-")[0] in ("en", "es"):
            return code.split("-")[0]
    text = str(language.get("text", "")).lower()
    return "es" if text.startswith(("span", "espa")) else "en"


def pick(items: Any, field: str, preferred: tuple[Any, ...]) -> dict[str, Any]:
    """The first dict whose `field` is preferred, else the first dict, else {}."""
    rows = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    return next((row for row in rows if row.get(field) in preferred), rows[0] if rows else {})


def has_code(concept: Any, code: str) -> bool:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return any(isinstance(c, dict) and c.get("code") == code for c in codings or [])
