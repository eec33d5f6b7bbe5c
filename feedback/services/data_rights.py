"""A patient's data rights: everything held about them in one export, erasure that removes
what identifies them while the anonymous figures stay, and a retention period after which
patients with no recent visit are erased by the same rule.

Erasure keeps the rows that aggregates count (visits, responses with their scores, feedback
with its sentiment and themes) and removes the person: their details, their words, their
pending emails, their consents; their address joins the suppression list so no future import
invites them again without a new visit file saying so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from feedback.auth.roles import CurrentStaff, Role
from feedback.services import audit
from feedback.tables import FeedbackItem, Ticket, TicketFeedback
from integrations.crypto import KeyRing
from integrations.email.outbox import open_recipient
from integrations.email.suppression import address_index, suppress_index
from integrations.tables import OutboxMessage
from surveys.patients import find_by_email, find_by_mrn, read_patient
from surveys.sealed_text import ANSWER_VALUE, opened_text, unseal
from surveys.tables import Answer, Consent, Invitation, Patient, Visit
from surveys.tables import Response as SurveyResponse

ERASED = "[erased]"
PATIENT_EMAIL_KINDS = ("survey_invitation", "survey_reminder", "improvement")


class DataRightsError(ValueError):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _only_admins(viewer: CurrentStaff) -> None:
    if viewer.role is not Role.ADMIN:
        raise DataRightsError("Only administrators handle patient data requests.")


async def find_patients(viewer: CurrentStaff, keyring: KeyRing, query: str) -> list[dict[str, Any]]:
    """Patients found by exact MRN or email (blind indexes: nothing is searched in clear)."""
    _only_admins(viewer)
    query = query.strip()
    if not query:
        return []
    ids = await find_by_email(keyring, query) if "@" in query else []
    by_mrn = await find_by_mrn(keyring, query)
    if by_mrn is not None:
        ids.append(by_mrn)
    found = []
    for patient_id in sorted(set(ids)):
        patient = await read_patient(keyring, patient_id)
        if patient is not None:
            patient["visits"] = await Visit.count().where(Visit.patient == patient_id)
            found.append(patient)
    return found


async def _responses(keyring: KeyRing, patient_id: int) -> list[dict[str, Any]]:
    responses = await SurveyResponse.select(
        SurveyResponse.id,
        SurveyResponse.submitted_at,
        SurveyResponse.language,
        SurveyResponse.channel,
    ).where(SurveyResponse.visit.patient == patient_id)
    for response in responses:
        answers = await Answer.select(Answer.question_key, Answer.value, Answer.crypto_id).where(
            Answer.response == response["id"]
        )
        response["answers"] = [
            {
                "question_key": answer["question_key"],
                "value": unseal(keyring, ANSWER_VALUE, answer["crypto_id"], answer["value"]),
            }
            for answer in answers
        ]
    return responses


async def export_patient(viewer: CurrentStaff, keyring: KeyRing, patient_id: int) -> dict[str, Any]:
    """Everything held about one patient, readable (JSON-ready)."""
    _only_admins(viewer)
    patient = await read_patient(keyring, patient_id)
    if patient is None:
        raise DataRightsError("No such patient.")
    visits = await Visit.select(
        Visit.id,
        Visit.visit_date,
        Visit.visit_type,
        Visit.provider_name,
        Visit.location.name.as_alias("location"),
        Visit.department.name.as_alias("department"),
    ).where(Visit.patient == patient_id)
    invitations = await Invitation.select(
        Invitation.id,
        Invitation.created_at,
        Invitation.sent_at,
        Invitation.reminded_at,
        Invitation.used_at,
        Invitation.expires_at,
    ).where(Invitation.visit.patient == patient_id)
    feedback = await FeedbackItem.select(
        FeedbackItem.id,
        FeedbackItem.text,
        FeedbackItem.crypto_id,
        FeedbackItem.rating,
        FeedbackItem.rating_scale,
        FeedbackItem.sentiment,
        FeedbackItem.themes,
        FeedbackItem.received_at,
    ).where(FeedbackItem.patient == patient_id)
    for item in feedback:
        item["text"] = opened_text(keyring, item)
        del item["crypto_id"]
        item["tickets"] = await Ticket.select(Ticket.id, Ticket.status, Ticket.resolution).where(
            Ticket.id.is_in(
                TicketFeedback.select(TicketFeedback.ticket).where(
                    TicketFeedback.feedback_item == item["id"]
                )
            )
        )
    return {
        "exported_at": _now().isoformat(),
        "patient": patient,
        "visits": visits,
        "consents": await Consent.select(
            Consent.channel,
            Consent.purpose,
            Consent.wording_version,
            Consent.given_at,
            Consent.withdrawn_at,
        ).where(Consent.patient == patient_id),
        "survey_invitations": invitations,
        "survey_responses": await _responses(keyring, patient_id),
        "feedback": feedback,
        "emails": await _emails_to(keyring, patient, pending_only=False),
    }


async def _emails_to(
    keyring: KeyRing, patient: dict[str, Any], *, pending_only: bool
) -> list[dict[str, Any]]:
    """Outbox messages addressed to this patient. Recipients are sealed per message, so the
    patient kinds are opened one by one and compared."""
    if not patient.get("email"):
        return []
    query = OutboxMessage.select(
        OutboxMessage.id,
        OutboxMessage.kind,
        OutboxMessage.subject,
        OutboxMessage.status,
        OutboxMessage.created_at,
        OutboxMessage.sent_at,
        OutboxMessage.recipient,
        OutboxMessage.business_key,
    ).where(OutboxMessage.kind.is_in(list(PATIENT_EMAIL_KINDS)))
    if pending_only:
        query = query.where(OutboxMessage.status == "pending")
    mine = []
    for row in await query:
        if open_recipient(row, keyring).strip().lower() == patient["email"].strip().lower():
            mine.append({k: v for k, v in row.items() if k not in ("recipient", "business_key")})
    return mine


async def erase_patient(
    keyring: KeyRing,
    patient_id: int,
    *,
    suppression_key: bytes,
    actor: CurrentStaff | None = None,
    reason: str = "request",
    client: str = "",
) -> None:
    """Remove what identifies the patient, in one transaction; the figures stay. `actor` is
    None only for the retention job."""
    if actor is not None:
        _only_admins(actor)
    patient = await read_patient(keyring, patient_id)
    if patient is None:
        raise DataRightsError("No such patient.")
    now = _now()
    async with Patient._meta.db.transaction():
        pending = await _emails_to(keyring, patient, pending_only=True)
        if pending:
            await OutboxMessage.update(
                {OutboxMessage.status: "cancelled", OutboxMessage.recipient: ""}
            ).where(OutboxMessage.id.is_in([row["id"] for row in pending]))
        if patient.get("email"):
            await suppress_index(address_index(patient["email"], suppression_key), "erased")
        await Consent.update({Consent.withdrawn_at: now}).where(
            (Consent.patient == patient_id) & Consent.withdrawn_at.is_null()
        )
        # Their words go; the sentiment, themes and scores that the figures count stay.
        await FeedbackItem.update(
            {
                FeedbackItem.text: ERASED,
                FeedbackItem.crypto_id: "",
                FeedbackItem.explanation: [],
                FeedbackItem.patient: None,
            }
        ).where(FeedbackItem.patient == patient_id)
        await Answer.update({Answer.value: ERASED, Answer.crypto_id: ""}).where(
            Answer.response.is_in(
                SurveyResponse.select(SurveyResponse.id).where(
                    SurveyResponse.visit.patient == patient_id
                )
            )
            & Answer.numeric_value.is_null()
        )
        await Patient.update(
            {
                Patient.given_name: "",
                Patient.family_name: "",
                Patient.email: "",
                Patient.phone: "",
                Patient.mrn_encrypted: "",
                Patient.email_index: "",
                # The MRN's unique column must still hold something unique.
                Patient.mrn: f"erased:{patient_id}",
            }
        ).where(Patient.id == patient_id)
        await audit.record(
            "patient.erased",
            actor=actor,
            actor_label="" if actor else "retention",
            object_type="patient",
            object_id=patient_id,
            client_address=client,
            detail={"reason": reason},
        )


async def purge_expired(
    keyring: KeyRing, retention_days: int, *, suppression_key: bytes, today: dt.date | None = None
) -> int:
    """Erase patients whose latest visit is older than the retention period (0: keep)."""
    if retention_days <= 0:
        return 0
    cutoff = (today or dt.date.today()) - dt.timedelta(days=retention_days)
    recent = Visit.select(Visit.patient).where(Visit.visit_date >= cutoff)
    rows = await Patient.select(Patient.id).where(
        Patient.id.not_in(recent) & Patient.mrn.not_like("erased:%")
    )
    for row in rows:
        await erase_patient(
            keyring, row["id"], suppression_key=suppression_key, reason="retention period"
        )
    return len(rows)
