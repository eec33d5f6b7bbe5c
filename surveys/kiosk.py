"""Anonymous responses from a location's kiosk or QR code: no token, one response per
device session, rate-limited by the web layer."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from integrations.sql import InsertPlan
from surveys.answers import check_answers
from surveys.definition import Definition, parse_definition
from surveys.service import (
    InvitationProblem,
    ResponseSink,
    SubmitOutcome,
    plan_response,
    submitted_response,
)
from surveys.tables import Location, Response, SurveyVersion


@dataclass(frozen=True)
class KioskSurvey:
    location_id: int
    location_name: str
    review_url: str
    version_id: int
    definition: Definition


async def open_kiosk(slug: str) -> KioskSurvey:
    """The anonymous survey a location offers at its kiosk / QR code."""
    location = (
        await Location.select(
            Location.id,
            Location.name,
            Location.review_url,
            Location.kiosk_survey,
            Location.kiosk_survey.retired_at.as_alias("retired_at"),
        )
        .where(Location.slug == slug)
        .first()
    )
    if location is None or location["kiosk_survey"] is None or location["retired_at"]:
        raise InvitationProblem("unknown")
    version = await (
        SurveyVersion.select(SurveyVersion.id, SurveyVersion.definition)
        .where(
            (SurveyVersion.survey == location["kiosk_survey"])
            & (SurveyVersion.status == "published")
        )
        .order_by(SurveyVersion.number, ascending=False)
        .output(load_json=True)
        .first()
    )
    if version is None:
        raise InvitationProblem("unknown")
    return KioskSurvey(
        location["id"],
        location["name"],
        location["review_url"],
        version["id"],
        parse_definition(version["definition"]),
    )


def device_hash(slug: str, device_token: str) -> str:
    return hashlib.sha256(f"kiosk:{slug}:{device_token}".encode()).hexdigest()


async def submit_kiosk(
    slug: str,
    device_token: str,
    form: Mapping[str, Sequence[str]],
    language: str,
    sink: ResponseSink,
) -> SubmitOutcome:
    """An anonymous response: one per device session (the unique device hash enforces it)."""
    kiosk = await open_kiosk(slug)
    check = check_answers(kiosk.definition, form, language)
    if not check.ok:
        return SubmitOutcome(check=check, response_id=None, already_submitted=False)
    device = device_hash(slug, device_token)
    if await Response.exists().where(Response.device_hash == device):
        return SubmitOutcome(check=check, response_id=None, already_submitted=True)
    submitted = submitted_response(
        check,
        kiosk.definition,
        language,
        channel="kiosk",
        visit_id=None,
        patient_id=None,
        location_id=kiosk.location_id,
        department_id=None,
    )
    store_feedback = await sink(submitted)
    async with Response._meta.db.transaction():
        # Checked again inside: the unique device hash makes a concurrent second one fail.
        if await Response.exists().where(Response.device_hash == device):
            return SubmitOutcome(check=check, response_id=None, already_submitted=True)
        plan = InsertPlan()
        response = plan_response(
            plan,
            check,
            submitted,
            store_feedback,
            version_id=kiosk.version_id,
            invitation_id=None,
            device_hash=device,
        )
        await plan.run()
    return SubmitOutcome(check=check, response_id=plan.id_of(response), already_submitted=False)
