"""Closing the loop: a change made because of feedback, told to every patient who helped.

Publishing commits the improvement's status and one outbox email per consenting patient in one
transaction. The business key (improvement, patient) means a patient is told once, however
often the improvement is republished or however many of their comments it answers; consent and
unsubscribes are checked again when each email is sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from markupsafe import escape

from feedback.auth.roles import CurrentStaff
from feedback.services.feedback_list import NotVisible
from feedback.tables import FeedbackItem, Improvement, ImprovementTicket, Ticket, TicketFeedback
from integrations.crypto import KeyRing
from integrations.email import OutgoingEmail, enqueue, unsubscribe_token
from surveys.patients import read_patients, with_email
from surveys.tables import Consent

MAX_TITLE = 120
MAX_BODY = 2000


class ImprovementError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    department_id: int | None
    location_id: int | None
    change_date: dt.date | None
    ticket_ids: tuple[int, ...]


def business_key(improvement_id: int, patient_id: int) -> str:
    return f"improvement:{improvement_id}:patient:{patient_id}"


def patient_of(key: str) -> int | None:
    """The patient a "you said, we did" email is for, from its business key."""
    parts = key.split(":")
    if len(parts) == 4 and parts[0] == "improvement" and parts[3].isdigit():
        return int(parts[3])
    return None


def tracking_token(response_id: int, key: bytes) -> str:
    """The token of a respondent's "what happened to my feedback" page: the response id and
    a signature, so nothing personal is in the link and nobody can guess another's."""
    signature = hmac.new(key, f"track:{response_id}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{response_id}.{signature}"


def response_from_tracking_token(token: str, key: bytes) -> int | None:
    number = token.partition(".")[0]
    if not number.isdigit() or not hmac.compare_digest(tracking_token(int(number), key), token):
        return None
    return int(number)


async def create_improvement(viewer: CurrentStaff, draft: Draft) -> int:
    errors: dict[str, str] = {}
    if not draft.title.strip() or len(draft.title) > MAX_TITLE:
        errors["title"] = f"Give the change a title patients will understand (up to {MAX_TITLE})."
    if not draft.body.strip() or len(draft.body) > MAX_BODY:
        errors["body"] = f"Describe the change in plain words (up to {MAX_BODY} characters)."
    department = viewer.department_id if viewer.department_scope() else draft.department_id
    if department is None:
        errors["department_id"] = "Choose the department that made the change."
    elif not viewer.can_change_department(department):
        errors["department_id"] = "You can record changes for your own department only."
    if draft.change_date is None:
        errors["change_date"] = "Give the date of the change (YYYY-MM-DD)."
    tickets = await Ticket.select(Ticket.id, Ticket.department).where(
        Ticket.id.is_in(list(draft.ticket_ids) or [-1])
    )
    if len(tickets) != len(set(draft.ticket_ids)) or any(
        not viewer.can_change_department(t["department"]) for t in tickets
    ):
        errors["tickets"] = "Link only tickets of your own department."
    if errors:
        raise ImprovementError(errors)
    async with Improvement._meta.db.transaction():
        rows = await Improvement.insert(
            Improvement(
                title=draft.title.strip(),
                body=draft.body.strip(),
                department=department,
                location=draft.location_id,
                change_date=draft.change_date,
                status="draft",
                created_by=viewer.id,
            )
        ).returning(Improvement.id)
        improvement_id = rows[0]["id"]
        if draft.ticket_ids:
            await ImprovementTicket.insert(
                *(
                    ImprovementTicket(improvement=improvement_id, ticket=ticket_id)
                    for ticket_id in sorted(set(draft.ticket_ids))
                )
            )
    return improvement_id


def _scoped(query, viewer: CurrentStaff):  # type: ignore[no-untyped-def]
    scope = viewer.department_scope()
    return query if scope is None else query.where(Improvement.department == scope)


async def list_improvements(viewer: CurrentStaff) -> list[dict[str, Any]]:
    return await _scoped(
        Improvement.select(
            Improvement.id,
            Improvement.title,
            Improvement.status,
            Improvement.change_date,
            Improvement.published_at,
            Improvement.department.name.as_alias("department_name"),
        ),
        viewer,
    ).order_by(Improvement.created_at, ascending=False)


async def get_improvement(viewer: CurrentStaff, improvement_id: int) -> dict[str, Any]:
    row = await _scoped(
        Improvement.select(
            *Improvement.all_columns(),
            Improvement.department.name.as_alias("department_name"),
            Improvement.location.name.as_alias("location_name"),
        ).where(Improvement.id == improvement_id),
        viewer,
    ).first()
    if row is None:
        raise NotVisible(improvement_id)
    row["tickets"] = await ImprovementTicket.select(
        ImprovementTicket.ticket.id.as_alias("id"),
        ImprovementTicket.ticket.title.as_alias("title"),
    ).where(ImprovementTicket.improvement == improvement_id)
    return row


async def patients_to_tell(improvement_id: int) -> list[dict[str, Any]]:
    """Each consenting patient whose feedback reached a linked ticket, once."""
    ticket_ids = ImprovementTicket.select(ImprovementTicket.ticket).where(
        ImprovementTicket.improvement == improvement_id
    )
    item_ids = TicketFeedback.select(TicketFeedback.feedback_item).where(
        TicketFeedback.ticket.is_in(ticket_ids)
    )
    response_of: dict[int, int | None] = {}
    for row in await FeedbackItem.select(FeedbackItem.patient, FeedbackItem.response).where(
        FeedbackItem.id.is_in(item_ids) & FeedbackItem.patient.is_not_null()
    ):
        response_of[row["patient"]] = response_of.get(row["patient"]) or row["response"]
    patient_ids = set(response_of)
    if not patient_ids:
        return []
    consenting = {
        row["patient"]
        for row in await Consent.select(Consent.patient).where(
            Consent.patient.is_in(list(patient_ids))
            & (Consent.purpose == "improvement_updates")
            & Consent.withdrawn_at.is_null()
        )
    }
    # No address is opened here (the page only counts them): publish() opens them to send.
    return [
        {"id": patient_id, "response": response_of.get(patient_id)}
        for patient_id in await with_email(consenting)
    ]


def render_email(
    improvement: dict[str, Any], base_url: str, unsubscribe_url: str, tracking_url: str = ""
) -> tuple[str, str, str]:
    """Subject, text and HTML of a "you said, we did" email: the change and thanks, in plain
    words; no name, no diagnosis, no department, no visit date, no quotes."""
    subject = "You said, we did: a change made because of patients' feedback"
    text = (
        "Thank you for telling us about your visit.\n\n"
        "Because of what you and other patients told us, we made a change:\n\n"
        f"{improvement['title']}\n\n{improvement['body']}\n\n"
        "Feedback like yours is how we get better. Thank you.\n\n"
        + (f"What happened to your feedback: {tracking_url}\n" if tracking_url else "")
        + f"See other changes patients asked for: {base_url}/you-said-we-did\n\n"
        f"To stop these emails: {unsubscribe_url}\n"
    )
    html = (
        "<p>Thank you for telling us about your visit.</p>"
        "<p>Because of what you and other patients told us, we made a change:</p>"
        f"<h2>{escape(improvement['title'])}</h2><p>{escape(improvement['body'])}</p>"
        "<p>Feedback like yours is how we get better. Thank you.</p>"
        + (
            f'<p><a href="{escape(tracking_url)}">What happened to your feedback</a></p>'
            if tracking_url
            else ""
        )
        + f'<p><a href="{escape(base_url)}/you-said-we-did">See other changes patients asked '
        f'for</a></p><p><a href="{escape(unsubscribe_url)}">Stop these emails</a></p>'
    )
    return subject, text, html


async def publish(
    viewer: CurrentStaff,
    improvement_id: int,
    base_url: str,
    suppression_key: bytes,
    keyring: KeyRing,
) -> int:
    """Publish (or republish) and queue one email per consenting patient, atomically."""
    improvement = await get_improvement(viewer, improvement_id)
    if not viewer.can_change_department(improvement["department"]):
        raise ImprovementError({"improvement": "Your role can read this change, not publish it."})
    queued = 0
    async with Improvement._meta.db.transaction():
        await Improvement.update(
            {
                Improvement.status: "published",
                Improvement.published_at: improvement["published_at"] or dt.datetime.now(dt.UTC),
            }
        ).where(Improvement.id == improvement_id)
        audience = await patients_to_tell(improvement_id)
        contacts = await read_patients(keyring, [patient["id"] for patient in audience])
        email_of = {contact["id"]: contact["email"] for contact in contacts}
        for patient in audience:
            email = email_of[patient["id"]]
            unsubscribe = f"{base_url}/unsubscribe/{unsubscribe_token(email, suppression_key)}"
            tracking = (
                f"{base_url}/t/{tracking_token(patient['response'], suppression_key)}"
                if patient["response"]
                else ""
            )
            subject, text, html = render_email(improvement, base_url, unsubscribe, tracking)
            queued += await enqueue(
                OutgoingEmail(
                    kind="improvement",
                    business_key=business_key(improvement_id, patient["id"]),
                    recipient=email,
                    subject=subject,
                    text=text,
                    html=html,
                    headers={
                        "List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                ),
                keyring,
            )
    return queued


async def still_consents(row: dict[str, Any]) -> bool:
    """Send-time check for the dispatcher: a patient who withdrew is not told."""
    patient_id = patient_of(row.get("business_key", ""))
    if patient_id is None:
        return True
    return await Consent.exists().where(
        (Consent.patient == patient_id)
        & (Consent.purpose == "improvement_updates")
        & Consent.withdrawn_at.is_null()
    )
