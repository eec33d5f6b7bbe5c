"""Survey administration: drafts, publishing (published versions never change), retiring,
assignment to visits, import and export (our JSON and FHIR R4)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from integrations.crypto import KeyRing
from integrations.fhir import (
    FhirError,
    definition_from_questionnaire,
    questionnaire_from_definition,
    questionnaire_response,
)
from integrations.qr import qr_svg
from integrations.spreadsheet import csv_safe
from surveys.definition import (
    KEY_PATTERN,
    Definition,
    DefinitionError,
    definition_to_data,
    parse_definition,
)
from surveys.sealed_text import ANSWER_VALUE, unseal
from surveys.tables import Answer, Location, Response, Survey, SurveyAssignment, SurveyVersion
from surveys.visit_import import VISIT_TYPES

EXPORT_BATCH = 500


# A new survey starts from this; admins then edit the draft.
STARTER_DEFINITION: dict[str, Any] = {
    "title": {"en": "How did we do?", "es": "¿Qué tal lo hicimos?"},
    "description": {"en": "", "es": ""},
    "label": "",
    "questions": [
        {
            "key": "recommend",
            "type": "nps",
            "required": True,
            "text": {
                "en": "How likely are you to recommend us to friends or family?",
                "es": "¿Qué tan probable es que nos recomiende a sus amigos o familiares?",
            },
        },
        {
            "key": "improve",
            "type": "free_text",
            "required": False,
            "analysis_question": "What could we improve?",
            "text": {"en": "What could we improve?", "es": "¿Qué podríamos mejorar?"},
        },
    ],
}


class SurveyAdminError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class VersionInfo:
    id: int
    number: int
    status: str
    published_at: dt.datetime | None
    definition: Definition


@dataclass(frozen=True)
class SurveyDetail:
    id: int
    key: str
    name: str
    label: str
    retired: bool
    versions: list[VersionInfo]
    assignments: list[dict[str, Any]]

    @property
    def draft(self) -> VersionInfo | None:
        return next((v for v in self.versions if v.status == "draft"), None)

    @property
    def current(self) -> VersionInfo | None:
        return next((v for v in self.versions if v.status == "published"), None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def list_surveys() -> list[dict[str, Any]]:
    surveys = await Survey.select().order_by(Survey.name)
    versions = await SurveyVersion.select(
        SurveyVersion.survey, SurveyVersion.number, SurveyVersion.status
    )
    assignments = await SurveyAssignment.select(
        SurveyAssignment.survey,
        SurveyAssignment.visit_type,
        SurveyAssignment.location.name.as_alias("location_name"),
    )
    for survey in surveys:
        mine = [v for v in versions if v["survey"] == survey["id"]]
        survey["published"] = max(
            (v["number"] for v in mine if v["status"] == "published"), default=None
        )
        survey["has_draft"] = any(v["status"] == "draft" for v in mine)
        survey["assignments"] = [
            f"{a['visit_type'] or 'any visit'}"
            + (f" at {a['location_name']}" if a["location_name"] else "")
            for a in assignments
            if a["survey"] == survey["id"]
        ]
    return surveys


async def survey_detail(key: str) -> SurveyDetail:
    survey = await Survey.select().where(Survey.key == key).first()
    if survey is None:
        raise SurveyAdminError([f"There is no survey {key!r}."])
    versions = await (
        SurveyVersion.select()
        .where(SurveyVersion.survey == survey["id"])
        .order_by(SurveyVersion.number, ascending=False)
        .output(load_json=True)
    )
    assignments = await SurveyAssignment.select(
        SurveyAssignment.id,
        SurveyAssignment.visit_type,
        SurveyAssignment.location.id.as_alias("location_id"),
        SurveyAssignment.location.name.as_alias("location_name"),
    ).where(SurveyAssignment.survey == survey["id"])
    return SurveyDetail(
        id=survey["id"],
        key=survey["key"],
        name=survey["name"],
        label=survey["label"],
        retired=survey["retired_at"] is not None,
        versions=[
            VersionInfo(
                v["id"],
                v["number"],
                v["status"],
                v["published_at"],
                parse_definition(v["definition"]),
            )
            for v in versions
        ],
        assignments=assignments,
    )


def _check_definition(data: Any) -> Definition:
    try:
        return parse_definition(data)
    except DefinitionError as exc:
        raise SurveyAdminError(exc.problems) from None


async def create_survey(key: str, name: str, data: Any) -> str:
    problems = []
    if not KEY_PATTERN.match(key.replace("-", "_")):
        problems.append("key: use lower-case letters, digits and dashes (e.g. day-surgery)")
    if not name.strip():
        problems.append("name: give the survey a name staff will recognise")
    try:
        definition = parse_definition(data)
    except DefinitionError as exc:
        problems.extend(exc.problems)
    if problems:
        raise SurveyAdminError(problems)
    async with Survey._meta.db.transaction():
        if await Survey.exists().where(Survey.key == key):
            raise SurveyAdminError([f"key: a survey {key!r} already exists"])
        row = await Survey.insert(
            Survey(key=key, name=name.strip(), label=definition.label)
        ).returning(Survey.id)
        await SurveyVersion.insert(
            SurveyVersion(
                survey=row[0]["id"],
                number=1,
                definition=definition_to_data(definition),
                status="draft",
            )
        )
    return key


async def start_draft(key: str) -> None:
    """A new draft, copied from the latest version (only one draft at a time)."""
    detail = await survey_detail(key)
    if detail.draft:
        return
    latest = detail.versions[0]
    await SurveyVersion.insert(
        SurveyVersion(
            survey=detail.id,
            number=latest.number + 1,
            definition=definition_to_data(latest.definition),
            status="draft",
        )
    )


async def save_draft(key: str, data: Any) -> None:
    definition = _check_definition(data)
    detail = await survey_detail(key)
    if detail.draft is None:
        raise SurveyAdminError(["Published versions cannot change: start a new draft first."])
    async with SurveyVersion._meta.db.transaction():
        updated = (
            await SurveyVersion.update({SurveyVersion.definition: definition_to_data(definition)})
            .where((SurveyVersion.id == detail.draft.id) & (SurveyVersion.status == "draft"))
            .returning(SurveyVersion.id)
        )
        if not updated:
            raise SurveyAdminError(["This draft was published meanwhile; start a new draft."])
        await Survey.update({Survey.label: definition.label}).where(Survey.id == detail.id)


async def publish_draft(key: str) -> int:
    detail = await survey_detail(key)
    if detail.draft is None:
        raise SurveyAdminError(["There is no draft to publish."])
    async with SurveyVersion._meta.db.transaction():
        await SurveyVersion.update({SurveyVersion.status: "superseded"}).where(
            (SurveyVersion.survey == detail.id) & (SurveyVersion.status == "published")
        )
        await SurveyVersion.update(
            {SurveyVersion.status: "published", SurveyVersion.published_at: _now()}
        ).where(SurveyVersion.id == detail.draft.id)
    return detail.draft.number


async def set_retired(key: str, retired: bool) -> None:
    detail = await survey_detail(key)
    await Survey.update({Survey.retired_at: _now() if retired else None}).where(
        Survey.id == detail.id
    )


async def add_assignment(key: str, visit_type: str | None, location_id: int | None) -> None:
    detail = await survey_detail(key)
    problems = []
    if visit_type and visit_type not in VISIT_TYPES:
        problems.append(f"visit type must be one of {', '.join(VISIT_TYPES)}")
    if location_id is not None and not await Location.exists().where(Location.id == location_id):
        problems.append("that location does not exist")
    if problems:
        raise SurveyAdminError(problems)
    await SurveyAssignment.insert(
        SurveyAssignment(survey=detail.id, visit_type=visit_type or None, location=location_id)
    )


async def set_kiosk(key: str, location_id: int, offered: bool) -> None:
    """Offer (or stop offering) this survey anonymously at a location's kiosk and QR code."""
    detail = await survey_detail(key)
    if not await Location.exists().where(Location.id == location_id):
        raise SurveyAdminError(["That location does not exist."])
    if offered:
        await Location.update({Location.kiosk_survey: detail.id}).where(Location.id == location_id)
    else:
        await Location.update({Location.kiosk_survey: None}).where(
            (Location.id == location_id) & (Location.kiosk_survey == detail.id)
        )


async def kiosk_locations(key: str) -> list[dict[str, Any]]:
    """Every location, with whether it offers this survey at its kiosk."""
    detail = await survey_detail(key)
    rows = await Location.select(
        Location.id, Location.name, Location.slug, Location.kiosk_survey
    ).order_by(Location.name)
    return [{**row, "offered": row["kiosk_survey"] == detail.id} for row in rows]


def kiosk_qr_svg(url: str) -> str:
    """A QR code (SVG) that opens the kiosk survey on a phone."""
    return qr_svg(url, "Survey QR code")


async def remove_assignment(key: str, assignment_id: int) -> None:
    detail = await survey_detail(key)
    await SurveyAssignment.delete().where(
        (SurveyAssignment.id == assignment_id) & (SurveyAssignment.survey == detail.id)
    )


def _version(detail: SurveyDetail, number: int | None) -> VersionInfo:
    for version in detail.versions:
        if number is None or version.number == number:
            return version
    raise SurveyAdminError([f"Version {number} does not exist."])


async def export_json(key: str, number: int | None = None) -> dict[str, Any]:
    detail = await survey_detail(key)
    version = _version(detail, number)
    return {
        "key": detail.key,
        "name": detail.name,
        "version": version.number,
        **definition_to_data(version.definition),
    }


async def export_fhir(key: str, base_url: str, number: int | None = None) -> dict[str, Any]:
    detail = await survey_detail(key)
    version = _version(detail, number)
    return questionnaire_from_definition(
        definition_to_data(version.definition),
        url=f"{base_url}/fhir/Questionnaire/{detail.key}",
        version=str(version.number),
        name=detail.key.replace("-", "_"),
        status="retired" if detail.retired else "active",
    )


async def import_survey(content: bytes, fallback_key: str) -> str:
    """Our JSON or a FHIR Questionnaire: a new survey, or a new draft of an existing one."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SurveyAdminError(["The file is not valid JSON."]) from None
    if not isinstance(data, dict):
        raise SurveyAdminError(["The file must hold one JSON object."])
    if data.get("resourceType") == "Questionnaire":
        try:
            definition_data = definition_from_questionnaire(data)
        except FhirError as exc:
            raise SurveyAdminError(exc.problems) from None
        key = str(data.get("name") or fallback_key).lower().replace("_", "-")
        name = str(data.get("title") or key)
    else:
        definition_data = data
        key = str(data.get("key") or fallback_key)
        name = str(data.get("name") or key)
    definition = _check_definition(definition_data)
    if await Survey.exists().where(Survey.key == key):
        await start_draft(key)
        await save_draft(key, definition_to_data(definition))
        return key
    return await create_survey(key, name, definition_to_data(definition))


async def response_rows(key: str, keyring: KeyRing) -> AsyncIterator[dict[str, Any]]:
    """Every response of a survey with its answers, in batches (no patient identifiers)."""
    detail = await survey_detail(key)
    last_id = 0
    while True:
        responses = await (
            Response.select(
                Response.id,
                Response.submitted_at,
                Response.language,
                Response.channel,
                Response.survey_version.number.as_alias("version"),
                Response.location.name.as_alias("location"),
                Response.department.name.as_alias("department"),
            )
            .where((Response.survey_version.survey == detail.id) & (Response.id > last_id))
            .order_by(Response.id)
            .limit(EXPORT_BATCH)
        )
        if not responses:
            return
        ids = [row["id"] for row in responses]
        answers = await Answer.select(
            Answer.response, Answer.question_key, Answer.value, Answer.crypto_id
        ).where(Answer.response.is_in(ids))
        by_response: dict[int, dict[str, str]] = {}
        for answer in answers:
            by_response.setdefault(answer["response"], {})[answer["question_key"]] = unseal(
                keyring, ANSWER_VALUE, answer["crypto_id"], answer["value"]
            )
        for row in responses:
            yield {**row, "answers": by_response.get(row["id"], {})}
        last_id = ids[-1]


async def responses_csv(key: str, keyring: KeyRing) -> str:
    detail = await survey_detail(key)
    keys = []
    for version in reversed(detail.versions):
        keys += [q.key for q in version.definition.questions if q.key not in keys]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "response_id",
            "submitted_at",
            "version",
            "language",
            "channel",
            "location",
            "department",
            *keys,
        ]
    )
    async for row in response_rows(key, keyring):
        writer.writerow(
            [
                row["id"],
                row["submitted_at"].isoformat(),
                row["version"],
                row["language"],
                row["channel"],
                row["location"] or "",
                row["department"] or "",
                *(csv_safe(row["answers"].get(k, "")) for k in keys),
            ]
        )
    return buffer.getvalue()


async def responses_fhir(key: str, base_url: str, keyring: KeyRing) -> dict[str, Any]:
    detail = await survey_detail(key)
    definitions = {v.number: definition_to_data(v.definition) for v in detail.versions}
    entries = []
    async for row in response_rows(key, keyring):
        definition = definitions[row["version"]]
        types = {q["key"]: q["type"] for q in definition["questions"]}
        answers: dict[str, int | str | list[str]] = {}
        for question_key, value in row["answers"].items():
            kind = types.get(question_key)
            if kind in ("nps", "rating"):
                answers[question_key] = int(value)
            elif kind == "multiple_choice":
                answers[question_key] = value.split(",")
            elif kind:
                answers[question_key] = value
        entries.append(
            {
                "resource": questionnaire_response(
                    definition,
                    answers,
                    questionnaire_url=f"{base_url}/fhir/Questionnaire/{detail.key}|{row['version']}",
                    response_id=f"response-{row['id']}",
                    authored=row["submitted_at"].isoformat(),
                    language=row["language"],
                )
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
