"""The patients' side of the loop: surveys, invitations and responses. Only writer of its tables.

A finished response is handed to a sink given by the floor above (feedback turns its comments
into analysed feedback items) in two steps: the sink prepares before the response's
transaction opens (analysis and routing reads are CPU and reads, and nothing should hold the
single SQLite writer while they run), and what it returns adds the feedback to the plan
that writes the response (integrations.sql.InsertPlan), so a response and its feedback
commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from integrations.crypto import KeyRing
from integrations.db_values import aware
from integrations.sql import InsertPlan, NewId, point_read
from surveys.answers import CheckResult, check_answers
from surveys.definition import Definition, definition_to_data, parse_definition
from surveys.library import LIBRARY
from surveys.sealed_text import ANSWER_VALUE, seal
from surveys.tables import (
    Answer,
    Consent,
    Invitation,
    Response,
    Survey,
    SurveyAssignment,
    SurveyVersion,
)

TOKEN_BYTES = 32  # 256 bits
DEFAULT_TTL = dt.timedelta(days=30)
CONSENT_WORDING_VERSION = "improvement-updates-v1"


@dataclass(frozen=True)
class SubmittedComment:
    question_key: str
    analysis_question: str | None
    text: str


@dataclass(frozen=True)
class SubmittedResponse:
    visit_id: int | None
    patient_id: int | None
    location_id: int | None
    department_id: int | None
    language: str
    channel: str
    comments: tuple[SubmittedComment, ...]
    recommend_score: int | None
    submitted_at: dt.datetime


# Adds the prepared feedback of a response to the plan that stores it, given what stands for
# the response's id there; the plan commits the response and its feedback together.
StoreFeedback = Callable[[InsertPlan, NewId], None]
# Called with the finished response before its transaction opens; returns how to store it.
ResponseSink = Callable[[SubmittedResponse], Awaitable[StoreFeedback]]
# Adds to the plan that stores a response anything the caller wants written with it (its
# rate-limit count): one durable commit for both. Written even when the link turns out to
# have been used meanwhile.
AlsoWrite = Callable[[InsertPlan], None]


class InvitationProblem(Exception):
    """The link cannot be used: kind is "unknown" or "expired" (never an error page)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class OpenInvitation:
    id: int
    version_id: int
    definition: Definition
    language: str
    used: bool
    visit_id: int
    patient_id: int
    location_id: int
    location_name: str
    department_id: int


@dataclass(frozen=True)
class SubmitOutcome:
    check: CheckResult
    response_id: int | None
    already_submitted: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def install_library() -> int:
    """Publish the ready-made surveys (once) and assign them to their usual visit types."""
    installed = 0
    async with Survey._meta.db.transaction():
        for key, name, data, visit_types in LIBRARY:
            if await Survey.exists().where(Survey.key == key):
                continue
            definition = parse_definition(data)
            survey = await Survey.insert(
                Survey(key=key, name=name, label=definition.label)
            ).returning(Survey.id)
            survey_id = survey[0]["id"]
            await SurveyVersion.insert(
                SurveyVersion(
                    survey=survey_id,
                    number=1,
                    definition=definition_to_data(definition),
                    status="published",
                    published_at=_now(),
                )
            )
            for visit_type in visit_types:
                await SurveyAssignment.insert(
                    SurveyAssignment(survey=survey_id, visit_type=visit_type)
                )
            installed += 1
    return installed


async def survey_version_for(visit_type: str, location_id: int) -> int | None:
    """The latest published version of the most specific survey assigned to such a visit."""
    rows = await SurveyAssignment.select(
        SurveyAssignment.survey, SurveyAssignment.visit_type, SurveyAssignment.location
    ).where(SurveyAssignment.survey.retired_at.is_null())
    candidates = [
        row
        for row in rows
        if row["visit_type"] in (None, visit_type) and row["location"] in (None, location_id)
    ]
    if not candidates:
        return None
    best = max(
        candidates, key=lambda row: (row["location"] is not None, row["visit_type"] is not None)
    )
    version = await (
        SurveyVersion.select(SurveyVersion.id)
        .where((SurveyVersion.survey == best["survey"]) & (SurveyVersion.status == "published"))
        .order_by(SurveyVersion.number, ascending=False)
        .first()
    )
    return version["id"] if version else None


async def create_invitation(
    visit_id: int, version_id: int, language: str = "en", ttl: dt.timedelta = DEFAULT_TTL
) -> str:
    """A new invitation; the raw token is returned once and only its hash is stored."""
    return (await issue_invitation(visit_id, version_id, language, ttl))[1]


async def issue_invitation(
    visit_id: int, version_id: int, language: str = "en", ttl: dt.timedelta = DEFAULT_TTL
) -> tuple[int, str]:
    """Like create_invitation, also returning the new invitation's id."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    rows = await Invitation.insert(
        Invitation(
            visit=visit_id,
            survey_version=version_id,
            token_hash=hash_token(token),
            language=language if language in ("en", "es") else "en",
            expires_at=_now() + ttl,
        )
    ).returning(Invitation.id)
    return rows[0]["id"], token


# One statement, written out: it runs on every survey page view and every submission, and
# Piccolo's query builder costs more for this four-table join than the database does.
OPEN_INVITATION = """
SELECT i.id, i.language, i.expires_at, i.used_at, v.id AS version_id, v.definition,
       vi.id AS visit_id, vi.patient AS patient_id, l.id AS location_id,
       l.name AS location_name, vi.department AS department_id
FROM invitation i
LEFT JOIN survey_version v ON v.id = i.survey_version
LEFT JOIN visit vi ON vi.id = i.visit
LEFT JOIN location l ON l.id = vi.location
WHERE i.token_hash = {} OR i.reminder_token_hash = {}
LIMIT 1
"""


async def open_invitation(token: str) -> OpenInvitation:
    token_hash = hash_token(token)
    rows = await point_read(Invitation.raw(OPEN_INVITATION, token_hash, token_hash))
    if not rows:
        raise InvitationProblem("unknown")
    row = rows[0]
    used = row["used_at"] is not None
    if not used and aware(row["expires_at"]) <= _now():
        raise InvitationProblem("expired")
    return OpenInvitation(
        id=row["id"],
        version_id=row["version_id"],
        definition=_definition(row["definition"]),
        language=row["language"],
        used=used,
        visit_id=row["visit_id"],
        patient_id=row["patient_id"],
        location_id=row["location_id"],
        location_name=row["location_name"],
        department_id=row["department_id"],
    )


def _definition(stored: str | dict) -> Definition:
    return _parsed_definition(stored if isinstance(stored, str) else json.dumps(stored))


@functools.lru_cache(maxsize=128)
def _parsed_definition(text: str) -> Definition:
    """Keyed by the stored text itself, so an edited draft is never served from the cache."""
    return parse_definition(json.loads(text))


async def submit_invitation(
    token: str,
    form: Mapping[str, Sequence[str]],
    language: str,
    sink: ResponseSink,
    also_write: AlsoWrite | None = None,
    keyring: KeyRing | None = None,
) -> SubmitOutcome:
    """Store a response exactly once per invitation; the token is consumed here, on POST.
    The response, its answers and its feedback are one `InsertPlan` with the claim of the
    link: on PostgreSQL one statement, with no `BEGIN`/`COMMIT` unless an urgent alert
    must be queued with it. `also_write` adds to that plan, once checked answers are to be
    stored. With a keyring, the patient's free-text answers are stored sealed
    (surveys.sealed_text)."""
    invitation = await open_invitation(token)
    check = check_answers(invitation.definition, form, language)
    if invitation.used:
        return SubmitOutcome(check=check, response_id=None, already_submitted=True)
    if not check.ok:
        return SubmitOutcome(check=check, response_id=None, already_submitted=False)
    submitted = submitted_response(
        check,
        invitation.definition,
        language,
        channel="email",
        visit_id=invitation.visit_id,
        patient_id=invitation.patient_id,
        location_id=invitation.location_id,
        department_id=invitation.department_id,
    )
    store_feedback = await sink(submitted)
    plan = InsertPlan()
    # The conditional update is the claim: of two concurrent submits, one wins the row and
    # the other sees used_at already set (PostgreSQL re-checks the WHERE after the lock).
    plan.claim(
        Invitation,
        "UPDATE invitation SET used_at = {} WHERE id = {} AND used_at IS NULL RETURNING id",
        submitted.submitted_at,
        invitation.id,
    )
    response = plan_response(
        plan,
        check,
        submitted,
        store_feedback,
        version_id=invitation.version_id,
        invitation_id=invitation.id,
        keyring=keyring,
    )
    if also_write is not None:
        # Last: a row it updates (a client address's count, shared by every patient behind
        # one hospital proxy) stays locked only until the commit.
        also_write(plan)
    if not await plan.commit():
        return SubmitOutcome(check=check, response_id=None, already_submitted=True)
    return SubmitOutcome(check=check, response_id=plan.id_of(response), already_submitted=False)


def submitted_response(
    check: CheckResult,
    definition: Definition,
    language: str,
    *,
    channel: str,
    visit_id: int | None,
    patient_id: int | None,
    location_id: int | None,
    department_id: int | None,
) -> SubmittedResponse:
    """What the floor above is told about a checked response: its comments and its score."""
    by_key = {answer.question_key: answer for answer in check.answers}
    return SubmittedResponse(
        visit_id=visit_id,
        patient_id=patient_id,
        location_id=location_id,
        department_id=department_id,
        language=language,
        channel=channel,
        comments=tuple(
            SubmittedComment(q.key, q.analysis_question, by_key[q.key].value)
            for q in definition.questions
            if q.type == "free_text" and q.key in by_key
        ),
        recommend_score=next(
            (
                by_key[q.key].numeric_value
                for q in definition.questions
                if q.type == "nps" and q.key in by_key
            ),
            None,
        ),
        submitted_at=_now(),
    )


def plan_response(
    plan: InsertPlan,
    check: CheckResult,
    submitted: SubmittedResponse,
    store_feedback: StoreFeedback,
    *,
    version_id: int,
    invitation_id: int | None,
    device_hash: str | None = None,
    keyring: KeyRing | None = None,
) -> NewId:
    """Add the response, its answers and its feedback to `plan`; what stands for its id.
    With a keyring, an identified patient's free-text answers are planned sealed."""
    sealed_keys = (
        {comment.question_key for comment in submitted.comments}
        if keyring is not None and submitted.patient_id is not None
        else set()
    )
    [response_ref] = plan.insert(
        Response,
        [
            {
                "invitation": invitation_id,
                "survey_version": version_id,
                "location": submitted.location_id,
                "department": submitted.department_id,
                "visit": submitted.visit_id,
                "channel": submitted.channel,
                "language": submitted.language,
                "device_hash": device_hash,
                "submitted_at": submitted.submitted_at,
            }
        ],
    )
    rows = []
    for answer in check.answers:
        row = {
            "response": response_ref,
            "question_key": answer.question_key,
            "value": answer.value,
            "numeric_value": answer.numeric_value,
        }
        if answer.question_key in sealed_keys and keyring is not None:
            row["crypto_id"], row["value"] = seal(keyring, ANSWER_VALUE, answer.value)
        rows.append(row)
    plan.insert(Answer, rows)
    store_feedback(plan, response_ref)
    return response_ref


# What a respondent may agree to on the thank-you page, and the wording version they saw.
CONSENT_PURPOSES = {
    "improvement_updates": CONSENT_WORDING_VERSION,  # "tell me what changed"
    "follow_up": "follow-up-contact-v1",  # "someone may contact me about my feedback"
}


async def record_consents(token: str, purposes: set[str]) -> bool:
    """Store each consent the respondent gave on the thank-you page, once. Idempotent."""
    invitation = await open_invitation(token)
    if not invitation.used:
        return False
    async with Consent._meta.db.transaction():
        for purpose in sorted(purposes & set(CONSENT_PURPOSES)):
            if not await has_consent(invitation.patient_id, purpose):
                await Consent.insert(
                    Consent(
                        patient=invitation.patient_id,
                        channel="email",
                        purpose=purpose,
                        wording_version=CONSENT_PURPOSES[purpose],
                    )
                )
    return True


async def has_consent(patient_id: int, purpose: str) -> bool:
    return await Consent.exists().where(
        (Consent.patient == patient_id)
        & (Consent.purpose == purpose)
        & Consent.withdrawn_at.is_null()
    )
