"""The JSON API (documented in the OpenAPI schema at /schema), scoped exactly like the pages:
the same services decide what each caller may read and change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import (
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import FromQuery, JSONBody, Parameter

from feedback.services.feedback_items import (
    MAX_TEXT,
    STAFF_CHANNELS,
    FeedbackFieldErrors,
    NewFeedback,
    NotAllowed,
    enter_staff_feedback,
)
from feedback.services.feedback_list import FeedbackFilters, NotVisible, get_feedback, list_feedback
from feedback.services.tickets import (
    TicketError,
    TicketFilters,
    add_note,
    change_status,
    get_ticket,
    list_tickets,
)
from feedback.tickets.states import ACTIONS, RESOLUTIONS
from feedback.web.guards import signed_in

NOT_VISIBLE = "No such object is visible to you."
# Ids are 32-bit serials on PostgreSQL: a larger number cannot name a row, and reaching the
# database with one overflows the driver (a 500), so it is refused here with a 400.
MAX_ID = 2**31 - 1
# Far past any real list, and far below where the OFFSET overflows 64 bits (a 500 before).
MAX_PAGE = 100_000
RowId = Annotated[int, Parameter(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Parameter(ge=1, le=MAX_PAGE)]
# Request bodies are decoded by msgspec, which reads its own constraint type.
BodyId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]


@dataclass(frozen=True)
class SessionInfo:
    id: int
    email: str
    display_name: str
    role: str
    department_id: int | None
    department_name: str | None


@dataclass(frozen=True)
class Theme:
    theme: str
    sentiment: str


@dataclass(frozen=True)
class Feedback:
    id: int
    source: str
    text: str
    sentiment: str
    polarity: float
    language: str
    themes: list[Theme]
    urgent: bool
    urgent_reasons: list[str]
    explanation: list[str]
    analyzer_version: str
    received_at: dt.datetime
    department_id: int | None
    rating: int | None = None


@dataclass(frozen=True)
class TicketSummary:
    id: int
    title: str
    status: str
    priority: str
    department: str
    resolve_due_at: dt.datetime | None
    overdue: bool


@dataclass(frozen=True)
class TicketEventOut:
    kind: str
    actor: str | None
    at: dt.datetime
    detail: dict[str, Any]


@dataclass(frozen=True)
class TicketDetail:
    id: int
    title: str
    status: str
    priority: str
    department: str
    routing_rule: str
    routing_reason: str
    acknowledge_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    resolution: str
    resolution_note: str
    overdue: bool
    feedback: list[Feedback] = field(default_factory=list)
    events: list[TicketEventOut] = field(default_factory=list)


# Body fields below carry their allowed values and lengths for the OpenAPI schema only; the
# services check them and answer with a message per field, which a decoder error would not.
@dataclass(frozen=True)
class StatusChange:
    action: Annotated[str, Parameter(schema_extra={"enum": list(ACTIONS)})]
    resolution: Annotated[str, Parameter(schema_extra={"enum": ["", *RESOLUTIONS]})] = ""
    note: str = ""


@dataclass(frozen=True)
class NoteIn:
    text: str


@dataclass(frozen=True)
class FeedbackIn:
    text: Annotated[str, Parameter(min_length=1, max_length=MAX_TEXT)]
    channel: Annotated[str, Parameter(schema_extra={"enum": list(STAFF_CHANNELS)})]
    location_id: BodyId | None = None
    department_id: BodyId | None = None


@dataclass(frozen=True)
class Created:
    id: int
    tickets: list[int]


def _refuse_nul(**fields: str) -> None:
    """PostgreSQL cannot store NUL in text: refuse it by field, before it fails the insert."""
    errors = [
        {"key": name, "message": "Remove the NUL (\\0) character; it cannot be stored."}
        for name, value in fields.items()
        if "\x00" in value
    ]
    if errors:
        raise ValidationException("The request was not applied.", extra=errors)


def _feedback(row: dict[str, Any]) -> Feedback:
    return Feedback(
        id=row["id"],
        source=row["source"],
        text=row["text"],
        sentiment=row["sentiment"],
        polarity=row["polarity"],
        language=row["language"],
        themes=[Theme(t["theme"], t["sentiment"]) for t in row["themes"]],
        urgent=row["urgent"],
        urgent_reasons=list(row["urgent_reasons"]),
        explanation=list(row["explanation"]),
        analyzer_version=row["analyzer_version"],
        received_at=row["received_at"],
        department_id=row.get("department_id"),
        rating=row.get("rating"),
    )


async def _ticket_detail(request: Request, ticket_id: int) -> TicketDetail:
    try:
        t = await get_ticket(request.scope["user"], ticket_id, request.app.state.settings.keyring)
    except NotVisible:
        raise NotFoundException(NOT_VISIBLE) from None
    return TicketDetail(
        id=t["id"],
        title=t["title"],
        status=t["status"],
        priority=t["priority"],
        department=t["department_name"],
        routing_rule=t["routing_rule"],
        routing_reason=t["routing_reason"],
        acknowledge_due_at=t["acknowledge_due_at"],
        resolve_due_at=t["resolve_due_at"],
        resolution=t["resolution"],
        resolution_note=t["resolution_note"],
        overdue=t["overdue"],
        feedback=[_feedback(item) for item in t["feedback"]],
        events=[
            TicketEventOut(
                kind=e["kind"], actor=e["actor_name"], at=e["created_at"], detail=e["detail"]
            )
            for e in t["events"]
        ],
    )


class ApiController(Controller):
    path = "/api/v1"
    guards = [signed_in]

    @get("/me", tags=["session"], summary="The signed-in staff member")
    async def me(self, request: Request) -> SessionInfo:
        staff = request.scope["user"]
        return SessionInfo(
            id=staff.id,
            email=staff.email,
            display_name=staff.display_name,
            role=staff.role.value,
            department_id=staff.department_id,
            department_name=staff.department_name,
        )

    @get("/feedback", tags=["feedback"], summary="Feedback visible to you, newest first")
    async def feedback_list(
        self,
        request: Request,
        sentiment: FromQuery[str | None] = None,
        source: FromQuery[str | None] = None,
        urgent: FromQuery[bool] = False,
        page: PageNumber = 1,
    ) -> list[Feedback]:
        filters = FeedbackFilters.parse(sentiment, source, "1" if urgent else None, str(page))
        result = await list_feedback(
            request.scope["user"], filters, request.app.state.settings.keyring
        )
        return [_feedback(row) for row in result.items]

    @get("/feedback/{item_id:int}", tags=["feedback"], summary="One piece of feedback")
    async def feedback_item(self, request: Request, item_id: RowId) -> Feedback:
        try:
            return _feedback(
                await get_feedback(
                    request.scope["user"], item_id, request.app.state.settings.keyring
                )
            )
        except NotVisible:
            raise NotFoundException(NOT_VISIBLE) from None

    @post(
        "/feedback",
        tags=["feedback"],
        status_code=201,
        summary="Ingest feedback from another channel; it is analysed and routed",
    )
    async def feedback_ingest(self, request: Request, data: JSONBody[FeedbackIn]) -> Created:
        try:
            item_id, tickets = await enter_staff_feedback(
                request.scope["user"],
                NewFeedback(
                    source="api",
                    channel=data.channel,
                    text=data.text,
                    location_id=data.location_id,
                    department_id=data.department_id,
                ),
                base_url=request.app.state.settings.base_url,
            )
        except NotAllowed as exc:
            raise PermissionDeniedException(str(exc)) from None
        except FeedbackFieldErrors as exc:
            raise ValidationException(
                "The feedback was not stored.",
                extra=[{"key": key, "message": message} for key, message in exc.errors.items()],
            ) from None
        return Created(id=item_id, tickets=tickets)

    @get("/tickets", tags=["tickets"], summary="Tickets visible to you")
    async def ticket_list(
        self,
        request: Request,
        status: FromQuery[str] = "open",
        priority: FromQuery[str | None] = None,
        overdue: FromQuery[bool] = False,
        sort: FromQuery[str] = "due",
        page: PageNumber = 1,
    ) -> list[TicketSummary]:
        filters = TicketFilters.parse(status, priority, "1" if overdue else None, sort, str(page))
        result = await list_tickets(
            request.scope["user"], filters, request.app.state.settings.keyring
        )
        return [
            TicketSummary(
                id=t["id"],
                title=t["title"],
                status=t["status"],
                priority=t["priority"],
                department=t["department_name"],
                resolve_due_at=t["resolve_due_at"],
                overdue=t["overdue"],
            )
            for t in result["tickets"]
        ]

    @get("/tickets/{ticket_id:int}", tags=["tickets"], summary="One ticket with its feedback")
    async def ticket(self, request: Request, ticket_id: RowId) -> TicketDetail:
        return await _ticket_detail(request, ticket_id)

    @post(
        "/tickets/{ticket_id:int}/status",
        tags=["tickets"],
        status_code=200,
        summary="Acknowledge, start, resolve, close or reopen a ticket",
    )
    async def ticket_status(
        self, request: Request, ticket_id: RowId, data: JSONBody[StatusChange]
    ) -> TicketDetail:
        _refuse_nul(note=data.note, resolution=data.resolution, action=data.action)
        try:
            await change_status(
                request.scope["user"], ticket_id, data.action, data.resolution, data.note
            )
        except NotVisible:
            raise NotFoundException(NOT_VISIBLE) from None
        except TicketError as exc:
            raise ValidationException(str(exc)) from None
        return await _ticket_detail(request, ticket_id)

    @post(
        "/tickets/{ticket_id:int}/notes",
        tags=["tickets"],
        status_code=201,
        summary="Add a note to a ticket",
    )
    async def ticket_note(
        self, request: Request, ticket_id: RowId, data: JSONBody[NoteIn]
    ) -> TicketDetail:
        _refuse_nul(text=data.text)
        try:
            await add_note(request.scope["user"], ticket_id, data.text)
        except NotVisible:
            raise NotFoundException(NOT_VISIBLE) from None
        except TicketError as exc:
            raise ValidationException(str(exc)) from None
        return await _ticket_detail(request, ticket_id)
