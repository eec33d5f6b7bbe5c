"""Visits coming in (CSV upload, FHIR Bundle) and the survey invitations they earn.

An import is all or nothing: any problem in any row and nothing is stored. Invitations and
their emails commit together through the outbox, so a crash never leaves an invitation whose
email was lost, nor an email whose invitation does not exist.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from integrations.crypto import KeyRing
from integrations.email import OutgoingEmail, enqueue, is_suppressed, unsubscribe_token
from surveys.patients import create_patient, decrypt_field, find_by_mrn, update_patient
from surveys.service import (
    DEFAULT_TTL,
    TOKEN_BYTES,
    hash_token,
    issue_invitation,
    survey_version_for,
)
from surveys.tables import Department, Invitation, Location, Visit
from surveys.visit_import import EMAIL, RowProblem, VisitRow

INVITATION_COOLDOWN = dt.timedelta(days=30)  # at most one invitation per patient per 30 days
MAX_VISIT_AGE = dt.timedelta(days=30)

REMINDER_EMAIL = {
    "en": {
        "subject": "A reminder: how was your recent visit?",
        "body": (
            "A few days ago we asked how your recent visit went. If you have two minutes, we "
            "would still like to hear from you:\n\n{link}\n\n"
            "This is the only reminder we will send. If you have already answered, thank you.\n\n"
            "To stop receiving survey emails: {unsubscribe}\n"
        ),
    },
    "es": {
        "subject": "Un recordatorio: ¿qué tal fue su visita reciente?",
        "body": (
            "Hace unos días le preguntamos cómo fue su visita reciente. Si tiene dos minutos, "
            "todavía nos gustaría conocer su opinión:\n\n{link}\n\n"
            "Es el único recordatorio que enviaremos. Si ya respondió, gracias.\n\n"
            "Para dejar de recibir encuestas por correo: {unsubscribe}\n"
        ),
    },
}

INVITATION_EMAIL = {
    "en": {
        "subject": "How was your recent visit?",
        "body": (
            "Thank you for choosing us for your care.\n\n"
            "Would you tell us how your recent visit went? It takes about two minutes, and "
            "every comment is read by the team that can act on it.\n\n{link}\n\n"
            "The link can be used once and expires in 30 days.\n\n"
            "To stop receiving survey emails: {unsubscribe}\n"
        ),
    },
    "es": {
        "subject": "¿Qué tal fue su visita reciente?",
        "body": (
            "Gracias por confiar en nosotros para su atención.\n\n"
            "¿Nos cuenta cómo fue su visita reciente? Son unos dos minutos, y el equipo que "
            "puede actuar lee cada comentario.\n\n{link}\n\n"
            "El enlace se puede usar una vez y caduca en 30 días.\n\n"
            "Para dejar de recibir encuestas por correo: {unsubscribe}\n"
        ),
    },
}


def survey_email(
    wording: dict[str, str],
    *,
    kind: str,
    business_key: str,
    recipient: str,
    link: str,
    base_url: str,
    suppression_key: bytes,
) -> OutgoingEmail:
    """A survey email with its one-click unsubscribe (RFC 8058) in the headers and the body."""
    unsubscribe = f"{base_url}/unsubscribe/{unsubscribe_token(recipient, suppression_key)}"
    return OutgoingEmail(
        kind=kind,
        business_key=business_key,
        recipient=recipient,
        subject=wording["subject"],
        text=wording["body"].format(link=link, unsubscribe=unsubscribe),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@dataclass(frozen=True)
class ImportSummary:
    visits_created: int
    visits_already_present: int
    patients_created: int
    patients_updated: int
    visit_ids: tuple[int, ...]


@dataclass(frozen=True)
class InvitationSummary:
    invited: int
    not_eligible: dict[str, int]  # reason -> count


async def known_codes() -> tuple[set[str], set[str]]:
    locations = {row["slug"] for row in await Location.select(Location.slug)}
    departments = {row["slug"] for row in await Department.select(Department.slug)}
    return locations, departments


async def import_visits(rows: Sequence[VisitRow], keyring: KeyRing) -> ImportSummary:
    """Store checked rows in one transaction; a visit already imported (same id) is skipped.

    Patients are found by their MRN's blind index and their details stored encrypted."""
    locations = {r["slug"]: r["id"] for r in await Location.select(Location.id, Location.slug)}
    departments = {
        r["slug"]: r["id"] for r in await Department.select(Department.id, Department.slug)
    }
    created = present = patients_created = patients_updated = 0
    visit_ids: list[int] = []
    async with Visit._meta.db.transaction():
        for row in rows:
            if row.external_id:
                existing = (
                    await Visit.select(Visit.id).where(Visit.external_id == row.external_id).first()
                )
                if existing:
                    present += 1
                    continue
            patient_id = await find_by_mrn(keyring, row.mrn)
            contact = {"given_name": row.given_name, "family_name": row.family_name}
            if row.email:
                contact["email"] = row.email
            if row.phone:
                contact["phone"] = row.phone
            if patient_id is not None:
                await update_patient(keyring, patient_id, contact, row.preferred_language)
                patients_updated += 1
            else:
                patient_id = await create_patient(
                    keyring,
                    {"mrn": row.mrn, "email": row.email, "phone": row.phone, **contact},
                    row.preferred_language,
                )
                patients_created += 1
            visit = await Visit.insert(
                Visit(
                    patient=patient_id,
                    location=locations[row.location],
                    department=departments[row.department],
                    provider_name=row.provider_name,
                    visit_date=row.visit_date,
                    visit_type=row.visit_type,
                    external_id=row.external_id,
                )
            ).returning(Visit.id)
            visit_ids.append(visit[0]["id"])
            created += 1
    return ImportSummary(created, present, patients_created, patients_updated, tuple(visit_ids))


def check_codes(
    rows: Sequence[VisitRow], locations: set[str], departments: set[str], where: Sequence[int]
) -> list[RowProblem]:
    """Rows from another source (FHIR) checked against our location and department codes."""
    problems = []
    for row, entry in zip(rows, where, strict=True):
        if row.location not in locations:
            problems.append(RowProblem(entry, "location", "is not a known location code"))
        if row.department not in departments:
            problems.append(RowProblem(entry, "department", "is not a known department code"))
    return problems


async def invite_eligible(
    visit_ids: Sequence[int],
    *,
    base_url: str,
    suppression_key: bytes,
    keyring: KeyRing,
    now: dt.datetime | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
) -> InvitationSummary:
    """Invite every eligible visit and queue its email, each in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    invited = 0
    not_eligible: dict[str, int] = {}

    def skip(reason: str) -> None:
        not_eligible[reason] = not_eligible.get(reason, 0) + 1

    for visit_id in visit_ids:
        visit = (
            await Visit.select(
                Visit.id,
                Visit.visit_type,
                Visit.visit_date,
                Visit.location,
                Visit.patient.id.as_alias("patient_id"),
                Visit.patient.email.as_alias("email"),
                Visit.patient.crypto_id.as_alias("crypto_id"),
                Visit.patient.preferred_language.as_alias("language"),
            )
            .where(Visit.id == visit_id)
            .first()
        )
        if visit is None:
            continue
        if now.date() - visit["visit_date"] > MAX_VISIT_AGE:
            skip("visit too long ago")
            continue
        email = decrypt_field(keyring, visit["crypto_id"], "email", visit["email"])
        if not EMAIL.match(email):
            skip("no valid email address")
            continue
        if await is_suppressed(email, suppression_key):
            skip("opted out or undeliverable")
            continue
        version = await survey_version_for(visit["visit_type"], visit["location"])
        if version is None:
            skip("no survey for this kind of visit")
            continue
        async with Invitation._meta.db.transaction():
            recent = await Invitation.exists().where(
                (Invitation.visit.patient == visit["patient_id"])
                & (Invitation.created_at > now - INVITATION_COOLDOWN)
            )
            if recent:
                skip("invited in the last 30 days")
                continue
            language = visit["language"] if visit["language"] in INVITATION_EMAIL else "en"
            invitation_id, token = await issue_invitation(visit_id, version, language, ttl)
            wording = INVITATION_EMAIL[language]
            await enqueue(
                survey_email(
                    wording,
                    kind="survey_invitation",
                    business_key=f"survey_invitation:{invitation_id}",
                    recipient=email,
                    link=f"{base_url}/s/{token}",
                    base_url=base_url,
                    suppression_key=suppression_key,
                ),
                keyring,
            )
            # sent_at marks the hand-over to the outbox, which delivers with retries.
            await Invitation.update({Invitation.sent_at: now}).where(Invitation.id == invitation_id)
        invited += 1
    return InvitationSummary(invited=invited, not_eligible=not_eligible)


async def send_reminders(
    *,
    base_url: str,
    delay: dt.timedelta,
    suppression_key: bytes,
    keyring: KeyRing,
    now: dt.datetime | None = None,
    limit: int = 200,
) -> int:
    """One reminder to each invitee who has not answered `delay` after the invitation.

    The reminder's link is a new token for the same invitation (the first token exists only
    in the patient's inbox); claiming `reminded_at` first makes a second run a no-op.
    """
    now = now or dt.datetime.now(dt.UTC)
    due = await (
        Invitation.select(
            Invitation.id,
            Invitation.language,
            Invitation.visit.patient.email.as_alias("email"),
            Invitation.visit.patient.crypto_id.as_alias("crypto_id"),
        )
        .where(
            Invitation.used_at.is_null()
            & Invitation.reminded_at.is_null()
            & Invitation.sent_at.is_not_null()
            & (Invitation.sent_at <= now - delay)
            & (Invitation.expires_at > now)
            & Invitation.survey_version.survey.retired_at.is_null()
        )
        .order_by(Invitation.id)
        .limit(limit)
    )
    reminded = 0
    for row in due:
        email = decrypt_field(keyring, row["crypto_id"], "email", row["email"])
        if not EMAIL.match(email):
            continue
        token = secrets.token_urlsafe(TOKEN_BYTES)
        async with Invitation._meta.db.transaction():
            claimed = (
                await Invitation.update(
                    {Invitation.reminded_at: now, Invitation.reminder_token_hash: hash_token(token)}
                )
                .where(
                    (Invitation.id == row["id"])
                    & Invitation.reminded_at.is_null()
                    & Invitation.used_at.is_null()
                )
                .returning(Invitation.id)
            )
            if not claimed:
                continue
            wording = REMINDER_EMAIL.get(row["language"], REMINDER_EMAIL["en"])
            await enqueue(
                survey_email(
                    wording,
                    kind="survey_reminder",
                    business_key=f"survey_reminder:{row['id']}",
                    recipient=email,
                    link=f"{base_url}/s/{token}",
                    base_url=base_url,
                    suppression_key=suppression_key,
                ),
                keyring,
            )
        reminded += 1
    return reminded
