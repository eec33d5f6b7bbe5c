"""The lead's workbench: tickets read and changed only within the viewer's department."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from feedback.analysis import THEMES
from feedback.auth.roles import CurrentStaff
from feedback.reply_check import reply_problems
from feedback.routing import PRIORITIES
from feedback.routing.rules import SOURCES
from feedback.services import audit
from feedback.services.feedback_list import NotVisible, decoded_feedback, feedback_columns
from feedback.services.reviews import review_details, store_reply_draft
from feedback.tables import FeedbackItem, StaffUser, Ticket, TicketEvent, TicketFeedback
from feedback.tickets.states import OPEN_STATUSES, STATUSES, TransitionError, next_status
from integrations.crypto import KeyRing
from integrations.db_values import aware, loaded
from surveys.patients import read_patient
from surveys.sealed_text import opened_text
from surveys.service import has_consent

PAGE_SIZE = 25
MAX_NOTE = 5000
SORTS = {
    "due": (Ticket.resolve_due_at, True),
    "newest": (Ticket.created_at, False),
    "priority": (Ticket.priority, True),
}


class TicketError(ValueError):
    pass


@dataclass(frozen=True)
class TicketFilters:
    status: str = "open"
    priority: str | None = None
    overdue: bool = False
    sort: str = "due"
    page: int = 1
    theme: str | None = None
    source: str | None = None
    location_id: int | None = None
    search: str = ""

    @classmethod
    def parse(
        cls,
        status: str | None,
        priority: str | None,
        overdue: str | None,
        sort: str | None,
        page: str | None,
        theme: str | None = None,
        source: str | None = None,
        location: str | None = None,
        search: str | None = None,
    ) -> TicketFilters:
        return cls(
            status=status if status in (*STATUSES, "open", "all") else "open",
            priority=priority if priority in PRIORITIES else None,
            overdue=overdue == "1",
            sort=sort if sort in SORTS else "due",
            page=int(page) if page and page.isdigit() and int(page) > 0 else 1,
            theme=theme if theme in (*THEMES, "urgent") else None,
            source=source if source in SOURCES else None,
            location_id=int(location) if location and location.isdigit() else None,
            search=(search or "").strip()[:100],
        )


def _contains(column, pattern: str):  # type: ignore[no-untyped-def]
    # Case-insensitive on both engines: SQLite's LIKE already is (for ASCII); PostgreSQL's
    # needs ILIKE.
    if isinstance(Ticket._meta.db, SQLiteEngine):
        return column.like(pattern)
    return column.ilike(pattern)


SEALED_SEARCH_LIMIT = 5000


async def _sealed_matches(
    viewer: CurrentStaff, conditions: list[Any], needle: str, keyring: KeyRing
) -> list[int]:
    """Tickets (within the viewer's scope and the other filters) whose sealed comments contain
    `needle`, ignoring case."""
    tickets = _scope(Ticket.select(Ticket.id), viewer)
    for condition in conditions:
        tickets = tickets.where(condition)
    rows = await (
        TicketFeedback.select(
            TicketFeedback.ticket,
            TicketFeedback.feedback_item.text.as_alias("text"),
            TicketFeedback.feedback_item.crypto_id.as_alias("crypto_id"),
        )
        .where(
            (TicketFeedback.feedback_item.crypto_id != "") & TicketFeedback.ticket.is_in(tickets)
        )
        .order_by(TicketFeedback.id, ascending=False)
        .limit(SEALED_SEARCH_LIMIT)
    )
    wanted = needle.casefold()
    return sorted({row["ticket"] for row in rows if wanted in opened_text(keyring, row).casefold()})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _scope(query, viewer: CurrentStaff):  # type: ignore[no-untyped-def]
    department = viewer.department_scope()
    return query if department is None else query.where(Ticket.department == department)


async def list_tickets(
    viewer: CurrentStaff, filters: TicketFilters, keyring: KeyRing | None = None
) -> dict[str, Any]:
    """A page of the viewer's queue. With a keyring, a search also reads the sealed comments
    of identified patients (opened here, not matchable in SQL), newest first, up to
    SEALED_SEARCH_LIMIT of them."""
    conditions = []
    if filters.status == "open":
        conditions.append(Ticket.status.is_in(list(OPEN_STATUSES)))
    elif filters.status != "all":
        conditions.append(Ticket.status == filters.status)
    if filters.priority:
        conditions.append(Ticket.priority == filters.priority)
    if filters.overdue:
        conditions.append(Ticket.status.is_in(list(OPEN_STATUSES)))
        conditions.append(Ticket.resolve_due_at < _now())
    if filters.theme:
        conditions.append(Ticket.theme == filters.theme)
    if filters.source:
        conditions.append(Ticket.source == filters.source)
    if filters.location_id:
        conditions.append(Ticket.location == filters.location_id)
    if filters.search:
        needle = filters.search.replace("%", "").replace("_", " ")
        pattern = f"%{needle}%"
        matching = TicketFeedback.select(TicketFeedback.ticket).where(
            _contains(TicketFeedback.feedback_item.text, pattern)
            & (TicketFeedback.feedback_item.crypto_id == "")
        )
        sealed = await _sealed_matches(viewer, conditions, needle, keyring) if keyring else []
        conditions.append(
            _contains(Ticket.title, pattern)
            | Ticket.id.is_in(matching)
            | Ticket.id.is_in(sealed or [0])
        )
    select = _scope(
        Ticket.select(
            Ticket.id,
            Ticket.title,
            Ticket.status,
            Ticket.priority,
            Ticket.resolve_due_at,
            Ticket.created_at,
            Ticket.routing_rule,
            Ticket.department.name.as_alias("department_name"),
            Ticket.owner.display_name.as_alias("owner_name"),
        ),
        viewer,
    )
    count = _scope(Ticket.count(), viewer)
    for condition in conditions:
        select = select.where(condition)
        count = count.where(condition)
    total = await count
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    column, ascending = SORTS[filters.sort]
    rows = (
        await select.order_by(column, ascending=ascending)
        .order_by(Ticket.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    now = _now()
    for row in rows:
        due = aware(row["resolve_due_at"]) if row["resolve_due_at"] else None
        row["overdue"] = row["status"] in OPEN_STATUSES and due is not None and due < now
    return {"tickets": rows, "total": total, "page": page, "pages": pages}


async def get_ticket(viewer: CurrentStaff, ticket_id: int, keyring: KeyRing) -> dict[str, Any]:
    ticket = await _scope(
        Ticket.select(
            *Ticket.all_columns(),
            Ticket.department.name.as_alias("department_name"),
            Ticket.owner.display_name.as_alias("owner_name"),
        ).where(Ticket.id == ticket_id),
        viewer,
    ).first()
    if ticket is None:
        raise NotVisible(ticket_id)
    links = await TicketFeedback.select(TicketFeedback.feedback_item).where(
        TicketFeedback.ticket == ticket_id
    )
    items = [
        decoded_feedback(row, keyring)
        for row in await FeedbackItem.select(*feedback_columns()).where(
            FeedbackItem.id.is_in([link["feedback_item"] for link in links] or [0])
        )
    ]
    events = (
        await TicketEvent.select(
            TicketEvent.kind,
            TicketEvent.detail,
            TicketEvent.created_at,
            TicketEvent.actor.display_name.as_alias("actor_name"),
        )
        .where(TicketEvent.ticket == ticket_id)
        .order_by(TicketEvent.created_at)
        .order_by(TicketEvent.id)
    )
    for event in events:
        event["detail"] = loaded(event["detail"])
    reviews = await review_details([item["id"] for item in items])
    for item in items:
        item["review"] = reviews.get(item["id"])
    ticket["tags"] = loaded(ticket["tags"]) or []
    ticket["feedback"] = items
    ticket["events"] = events
    due = aware(ticket["resolve_due_at"]) if ticket["resolve_due_at"] else None
    ticket["overdue"] = ticket["status"] in OPEN_STATUSES and due is not None and due < _now()
    return ticket


async def _changeable(viewer: CurrentStaff, ticket_id: int) -> dict[str, Any]:
    ticket = await _scope(
        Ticket.select(Ticket.id, Ticket.status, Ticket.department).where(Ticket.id == ticket_id),
        viewer,
    ).first()
    if ticket is None:
        raise NotVisible(ticket_id)
    if not viewer.can_change_department(ticket["department"]):
        raise TicketError("Your role can read this ticket but not change it.")
    return ticket


async def change_status(
    viewer: CurrentStaff, ticket_id: int, action: str, resolution: str = "", note: str = ""
) -> str:
    ticket = await _changeable(viewer, ticket_id)
    try:
        status = next_status(ticket["status"], action, resolution, note)
    except TransitionError as exc:
        raise TicketError(str(exc)) from None
    now = _now()
    values: dict[Any, Any] = {Ticket.status: status, Ticket.updated_at: now}
    if status == "acknowledged" or (status == "in_progress" and ticket["status"] == "new"):
        values[Ticket.acknowledged_at] = now
    if status == "resolved":
        values.update(
            {
                Ticket.resolved_at: now,
                Ticket.resolution: resolution,
                Ticket.resolution_note: note.strip()[:MAX_NOTE],
            }
        )
    if status == "closed":
        values[Ticket.closed_at] = now
    if action == "reopen":
        values.update(
            {
                Ticket.resolved_at: None,
                Ticket.closed_at: None,
                Ticket.resolution: "",
                Ticket.resolution_note: "",
            }
        )
    async with Ticket._meta.db.transaction():
        updated = (
            await Ticket.update(values)
            .where((Ticket.id == ticket_id) & (Ticket.status == ticket["status"]))
            .returning(Ticket.id)
        )
        if not updated:
            raise TicketError("Someone changed this ticket meanwhile; look again and retry.")
        detail = {"from": ticket["status"], "to": status}
        if resolution:
            detail |= {"resolution": resolution, "note": note.strip()[:MAX_NOTE]}
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket_id, actor=viewer.id, kind="status", detail=detail, created_at=now
            )
        )
    return status


async def _record(
    viewer: CurrentStaff,
    ticket_id: int,
    kind: str,
    detail: dict[str, Any],
    values: dict[Any, Any] | None = None,
) -> None:
    """One change to a ticket and its event on the timeline, committed together."""
    now = _now()
    async with Ticket._meta.db.transaction():
        await Ticket.update({**(values or {}), Ticket.updated_at: now}).where(
            Ticket.id == ticket_id
        )
        await TicketEvent.insert(
            TicketEvent(ticket=ticket_id, actor=viewer.id, kind=kind, detail=detail, created_at=now)
        )


async def add_note(viewer: CurrentStaff, ticket_id: int, text: str) -> None:
    await _changeable(viewer, ticket_id)
    text = text.strip()
    if not text:
        raise TicketError("Write the note first.")
    if len(text) > MAX_NOTE:
        raise TicketError(f"Notes can have at most {MAX_NOTE} characters.")
    await _record(viewer, ticket_id, "note", {"text": text})


async def draft_reply(viewer: CurrentStaff, ticket_id: int, item_id: int, text: str) -> None:
    """A lead drafts an answer to a public review on their ticket. Publishing stays outside
    the product; the draft is refused when it would name the reviewer with health details."""
    await _changeable(viewer, ticket_id)
    linked = await TicketFeedback.exists().where(
        (TicketFeedback.ticket == ticket_id) & (TicketFeedback.feedback_item == item_id)
    )
    details = await review_details([item_id]) if linked else {}
    if item_id not in details:
        raise TicketError("Only a public review on this ticket can be answered.")
    problems = reply_problems(text, details[item_id]["author"])
    if problems:
        raise TicketError(problems[0])
    async with Ticket._meta.db.transaction():
        await store_reply_draft(item_id, text)
        await _record(viewer, ticket_id, "reply_drafted", {"feedback": item_id})


async def assignable_staff(department_id: int) -> list[dict[str, Any]]:
    return (
        await StaffUser.select(StaffUser.id, StaffUser.display_name)
        .where(
            (StaffUser.department == department_id)
            & StaffUser.role.is_in(["lead", "staff"])
            & (StaffUser.is_active == True)  # noqa: E712
        )
        .order_by(StaffUser.display_name)
    )


async def assign(viewer: CurrentStaff, ticket_id: int, owner_id: int | None) -> None:
    ticket = await _changeable(viewer, ticket_id)
    if owner_id is not None and owner_id not in {
        person["id"] for person in await assignable_staff(ticket["department"])
    }:
        raise TicketError("Tickets can only be assigned to the department's own staff.")
    await _record(viewer, ticket_id, "assigned", {"owner": owner_id}, {Ticket.owner: owner_id})


async def set_tags(viewer: CurrentStaff, ticket_id: int, text: str) -> list[str]:
    await _changeable(viewer, ticket_id)
    tags = sorted({tag.strip().lower()[:30] for tag in text.split(",") if tag.strip()})[:10]
    await _record(viewer, ticket_id, "tagged", {"tags": tags}, {Ticket.tags: tags})
    return tags


async def bulk_change(
    viewer: CurrentStaff, ticket_ids: list[int], action: str
) -> tuple[int, list[str]]:
    """Apply one action to several tickets; each is checked on its own, none half-done."""
    done, problems = 0, []
    for ticket_id in ticket_ids[:100]:
        try:
            if action == "assign_me":
                await assign(viewer, ticket_id, viewer.id)
            else:
                await change_status(viewer, ticket_id, action)
            done += 1
        except NotVisible:
            problems.append(f"#{ticket_id}: not visible to you")
        except TicketError as exc:
            problems.append(f"#{ticket_id}: {exc}")
    return done, problems


RECOVERY_METHODS = {"call": "Phone call", "email": "Email", "no_answer": "Tried, no answer"}
DETRACTOR_MAX = 6  # on a 0-10 scale


async def recovery_contacts(
    viewer: CurrentStaff, ticket_id: int, keyring: KeyRing | None = None
) -> list[dict[str, Any]]:
    """Patients behind this ticket who asked to be contacted: only for the owning department's
    lead (and admins), only with follow-up consent, and every look is audited.

    Their details are decrypted with `keyring`, needed whenever there is someone to show."""
    ticket = await _scope(
        Ticket.select(Ticket.id, Ticket.department).where(Ticket.id == ticket_id), viewer
    ).first()
    if (
        ticket is None
        or viewer.role.value not in ("admin", "lead")
        or not (viewer.can_change_department(ticket["department"]))
    ):
        return []
    items = await FeedbackItem.select(
        FeedbackItem.id,
        FeedbackItem.patient,
        FeedbackItem.rating,
        FeedbackItem.rating_scale,
        FeedbackItem.sentiment,
    ).where(
        FeedbackItem.id.is_in(
            TicketFeedback.select(TicketFeedback.feedback_item).where(
                TicketFeedback.ticket == ticket_id
            )
        )
        & FeedbackItem.patient.is_not_null()
    )
    contacts = []
    for item in items:
        scale = item["rating_scale"] or 10
        detractor = item["rating"] is not None and item["rating"] * 10 / scale <= DETRACTOR_MAX
        if not (detractor or item["sentiment"] in ("negative", "mixed")):
            continue
        if not await has_consent(item["patient"], "follow_up"):
            continue
        if keyring is None:
            raise ValueError("opening patient contact details needs the key ring")
        patient = await read_patient(keyring, item["patient"])
        if patient is None:
            continue
        patient.pop("mrn", None)  # minimum necessary: a lead calls or writes, never needs it
        await audit.record(
            "patient.contact_viewed",
            actor=viewer,
            object_type="patient",
            object_id=patient["id"],
            detail={"ticket": ticket_id},
        )
        contacts.append({**patient, "feedback_id": item["id"]})
    return contacts


async def record_recovery(viewer: CurrentStaff, ticket_id: int, method: str, outcome: str) -> None:
    await _changeable(viewer, ticket_id)
    if method not in RECOVERY_METHODS:
        raise TicketError("Say how the patient was contacted.")
    if not outcome.strip():
        raise TicketError("Write what came of the conversation.")
    detail = {"method": method, "outcome": outcome.strip()[:MAX_NOTE]}
    await _record(viewer, ticket_id, "recovery", detail)


RELATED_WINDOW = dt.timedelta(days=14)


async def related_open_tickets(viewer: CurrentStaff, ticket_id: int) -> list[dict[str, Any]]:
    """Open tickets that look like the same problem: same department and theme, recent."""
    ticket = await _scope(
        Ticket.select(Ticket.id, Ticket.department, Ticket.theme, Ticket.created_at).where(
            Ticket.id == ticket_id
        ),
        viewer,
    ).first()
    if ticket is None or not ticket["theme"]:
        return []
    created = aware(ticket["created_at"])
    return (
        await Ticket.select(Ticket.id, Ticket.title, Ticket.created_at)
        .where(
            (Ticket.department == ticket["department"])
            & (Ticket.theme == ticket["theme"])
            & (Ticket.id != ticket_id)
            & Ticket.status.is_in(list(OPEN_STATUSES))
            & (Ticket.created_at > created - RELATED_WINDOW)
            & (Ticket.created_at < created + RELATED_WINDOW)
        )
        .order_by(Ticket.created_at, ascending=False)
        .limit(5)
    )


async def merge_into(viewer: CurrentStaff, ticket_id: int, other_id: int) -> None:
    """Move the other ticket's feedback onto this one and close it as merged."""
    if other_id == ticket_id:
        raise TicketError("A ticket cannot be merged into itself.")
    ticket = await _changeable(viewer, ticket_id)
    other = await _changeable(viewer, other_id)
    if other["department"] != ticket["department"]:
        raise TicketError("Only tickets of the same department can be merged.")
    if other["status"] not in OPEN_STATUSES:
        raise TicketError(f"Ticket #{other_id} is no longer open.")
    now = _now()
    async with Ticket._meta.db.transaction():
        moved = await TicketFeedback.select(TicketFeedback.id, TicketFeedback.feedback_item).where(
            TicketFeedback.ticket == other_id
        )
        already = {
            row["feedback_item"]
            for row in await TicketFeedback.select(TicketFeedback.feedback_item).where(
                TicketFeedback.ticket == ticket_id
            )
        }
        for link in moved:
            if link["feedback_item"] in already:
                await TicketFeedback.delete().where(TicketFeedback.id == link["id"])
            else:
                await TicketFeedback.update({TicketFeedback.ticket: ticket_id}).where(
                    TicketFeedback.id == link["id"]
                )
        await Ticket.update(
            {
                Ticket.status: "closed",
                Ticket.closed_at: now,
                Ticket.updated_at: now,
                Ticket.resolution: "merged",
                Ticket.resolution_note: f"Merged into #{ticket_id}",
            }
        ).where(Ticket.id == other_id)
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket_id,
                actor=viewer.id,
                kind="merged",
                detail={"from": other_id, "items": len(moved)},
                created_at=now,
            ),
            TicketEvent(
                ticket=other_id,
                actor=viewer.id,
                kind="merged",
                detail={"into": ticket_id},
                created_at=now,
            ),
        )


async def split_item(viewer: CurrentStaff, ticket_id: int, feedback_id: int) -> int:
    """Move one piece of feedback out to a new ticket of the same department."""
    ticket = await _changeable(viewer, ticket_id)
    links = await TicketFeedback.select(TicketFeedback.id, TicketFeedback.feedback_item).where(
        TicketFeedback.ticket == ticket_id
    )
    link = next((row for row in links if row["feedback_item"] == feedback_id), None)
    if link is None:
        raise TicketError("That feedback is not on this ticket.")
    if len(links) < 2:
        raise TicketError("A ticket keeps at least one piece of feedback.")
    source = await Ticket.select().where(Ticket.id == ticket_id).first()
    now = _now()
    async with Ticket._meta.db.transaction():
        rows = await Ticket.insert(
            Ticket(
                title=source["title"],
                department=ticket["department"],
                priority=source["priority"],
                status="new",
                acknowledge_due_at=source["acknowledge_due_at"],
                resolve_due_at=source["resolve_due_at"],
                routing_rule=source["routing_rule"],
                routing_reason=f"Split from #{ticket_id}",
                theme=source["theme"],
                source=source["source"],
                location=source["location"],
                created_at=now,
                updated_at=now,
            )
        ).returning(Ticket.id)
        new_id = rows[0]["id"]
        await TicketFeedback.update({TicketFeedback.ticket: new_id}).where(
            TicketFeedback.id == link["id"]
        )
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket_id,
                actor=viewer.id,
                kind="split",
                detail={"to": new_id, "feedback": feedback_id},
                created_at=now,
            ),
            TicketEvent(
                ticket=new_id,
                actor=viewer.id,
                kind="split",
                detail={"from": ticket_id, "feedback": feedback_id},
                created_at=now,
            ),
        )
    return new_id
