"""The authorization matrix: every route, for every role, on another department's records.

Nobody reads (a 2xx) or changes (any row outside the audit trail, sessions and counters)
what DESIGN.md section 6 does not give their role. A new GET route fails the test until it
is placed in MAY_GET; POST routes are admin-only unless MAY_POST says otherwise.
"""

from __future__ import annotations

import re

from feedback.services.routing import open_tickets, seed_default_rules
from feedback.tables import FeedbackItem, ReviewSource, RoutingRule, StaffUser, Ticket
from integrations.email import OutgoingEmail, enqueue
from integrations.tables import OutboxMessage
from surveys.service import create_invitation, install_library, survey_version_for
from surveys.tables import Location, SurveyAssignment
from tests import factories
from tests.conftest import CSRF_INPUT, sign_in

ROLES = ("anonymous", "staff", "lead", "executive", "admin")


async def _world() -> dict[str, str]:
    """Department A (the staff member's and the lead's) and department B, which holds the
    feedback, the ticket and the patient every id below points at."""
    await install_library()
    own = await factories.department("Cardiology")
    other = await factories.department("Billing")
    location = await factories.location("Riverside")
    await seed_default_rules()
    visit = await factories.visit(other, location)
    version = await survey_version_for("inpatient", location)
    token = await create_invitation(visit, version)
    item = (
        await FeedbackItem.insert(
            FeedbackItem(
                source="survey",
                text="We waited three hours and nobody told us why.",
                sentiment="negative",
                department=other,
                location=location,
            )
        ).returning(FeedbackItem.id)
    )[0]["id"]
    rows = await FeedbackItem.select().where(FeedbackItem.id == item)
    [ticket] = await open_tickets(rows)
    await Ticket.update({Ticket.department: other}).where(Ticket.id == ticket)
    await enqueue(
        OutgoingEmail(
            kind="x", business_key="x:1", recipient="a@example.org", subject="s", text="t"
        )
    )
    source = (
        await ReviewSource.insert(
            ReviewSource(
                location=location,
                kind="page",
                name="Site",
                settings={"url": "https://example.org/"},
            )
        ).returning(ReviewSource.id)
    )[0]["id"]
    location_row = await Location.select(Location.slug).where(Location.id == location).first()
    assignment = (await SurveyAssignment.select(SurveyAssignment.id).first())["id"]
    return {
        "own": str(own),
        "item_id": str(item),
        "ticket_id": str(ticket),
        "user_id": str((await StaffUser.select(StaffUser.id).first() or {"id": 1})["id"]),
        "rule_id": str((await RoutingRule.select(RoutingRule.id).first())["id"]),
        "message_id": str((await OutboxMessage.select(OutboxMessage.id).first())["id"]),
        "source_id": str(source),
        "patient_id": str(await _patient_of(visit)),
        "improvement_id": "1",  # none exists: refused roles must still not get a 2xx
        "key": "inpatient",
        "location_id": str(location),
        "slug": location_row["slug"],
        "assignment_id": str(assignment),
        "token": token,
        "file_path": "app.css",
        "path": "openapi.json",
    }


async def _patient_of(visit: int) -> int:
    from surveys.tables import Visit

    return (await Visit.select(Visit.patient).where(Visit.id == visit).first())["patient"]


def _routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            out.append((method, route.path))
    return out


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: ids[m.group(1)], path)


SIGNED_IN = {"staff", "lead", "executive", "admin"}
PUBLIC = {"anonymous", *SIGNED_IN}
# Who may GET each route with a 2xx (ids point into department B; staff and lead are in A).
# DESIGN.md §6: executives read every department, leads and staff their own; only admins
# administer. Any route missing here fails the test, so a new route must be placed.
MAY_GET: dict[str, set[str]] = {
    "/healthz": PUBLIC,
    "/ping": PUBLIC,
    "/login": {"anonymous"},
    "/login/verify": set(),
    "/login/verify/qr.svg": set(),
    "/account": SIGNED_IN,
    "/admin/emergency-access": {"admin"},
    "/": SIGNED_IN,
    "/feedback": SIGNED_IN,
    "/feedback/export.csv": {"lead", "executive", "admin"},
    "/feedback/new": {"staff", "lead", "admin"},
    "/feedback/{item_id:int}": {"executive", "admin"},
    "/kudos": SIGNED_IN,
    "/surveys/results": {"lead", "executive", "admin"},
    "/reports/dashboard": {"lead", "executive", "admin"},
    "/reports/summary.pdf": {"lead", "executive", "admin"},
    "/reports/figures.csv": {"lead", "executive", "admin"},
    "/improvements": {"lead", "executive", "admin"},
    "/improvements/new": {"lead", "admin"},
    "/improvements/{improvement_id:int}": {"lead", "executive", "admin"},
    "/t/{token:str}": PUBLIC,
    "/you-said-we-did": PUBLIC,
    "/you-said-we-did/{slug:str}": PUBLIC,
    "/tickets": SIGNED_IN,
    "/tickets/{ticket_id:int}": {"executive", "admin"},
    "/api/v1/feedback": SIGNED_IN,
    "/api/v1/feedback/{item_id:int}": {"executive", "admin"},
    "/api/v1/me": SIGNED_IN,
    "/api/v1/tickets/{ticket_id:int}": {"executive", "admin"},
    "/api/v1/tickets": SIGNED_IN,
    "/s/{token:str}": PUBLIC,
    "/s/{token:str}/thanks": PUBLIC,
    "/privacy": PUBLIC,
    "/k/{slug:str}": PUBLIC,
    "/k/{slug:str}/thanks": PUBLIC,
    "/unsubscribe/{token:str}": PUBLIC,
    "/static/{file_path:path}": PUBLIC,
    "/static/vendor/{file_path:path}": PUBLIC,
}
# Who may change anything through each POST route (everyone else must leave no trace).
MAY_POST: dict[str, set[str]] = {
    "/login": PUBLIC,
    "/login/verify": PUBLIC,
    "/account/two-step": SIGNED_IN,
    "/account/monthly-summary": {"executive", "admin"},
    "/account/emergency": SIGNED_IN,
    "/account/emergency/end": SIGNED_IN,
    "/feedback/new": {"staff", "lead", "admin"},
    "/improvements/new": {"lead", "admin"},
    "/improvements/{improvement_id:int}/publish": {"lead", "admin"},
    "/tickets/bulk": {"admin"},
    "/api/v1/feedback": {"staff", "lead", "admin"},
    "/s/{token:str}": PUBLIC,
    "/s/{token:str}/consent": PUBLIC,
    "/k/{slug:str}": PUBLIC,
    "/unsubscribe/{token:str}": PUBLIC,
}
TICKET_WORK = {"admin"}  # on department B's ticket: not A's lead or staff, not an executive
# Every table but the ones each request may touch on its own: the audit trail, sessions,
# sign-in challenges and throttles, and rate-limit counters.
TRACE_FREE = {"audit_event", "staff_session", "mfa_challenge", "rate_limit_bucket", "migration"}
# Plausible forms, so a refusal is the check's doing and not a missing field's.
FORMS: dict[str, dict[str, str]] = {
    "/tickets/{ticket_id:int}/status": {"action": "acknowledge"},
    "/tickets/{ticket_id:int}/notes": {"text": "A note"},
    "/tickets/{ticket_id:int}/owner": {"owner": "{user_id}"},
    "/tickets/{ticket_id:int}/tags": {"tags": "billing, phones"},
    "/tickets/{ticket_id:int}/recovery": {"kind": "apology", "note": "Called back"},
    "/tickets/{ticket_id:int}/split": {"feedback_item": "{item_id}"},
    "/tickets/{ticket_id:int}/reply": {"item": "{item_id}", "text": "Thank you"},
    "/tickets/bulk": {"ticket": "{ticket_id}", "action": "acknowledge"},
    "/api/v1/tickets/{ticket_id:int}/notes": {"text": "A note"},
    "/api/v1/tickets/{ticket_id:int}/status": {"action": "acknowledge"},
    "/admin/users/{user_id:int}/active": {"active": "0"},
    "/admin/routing/{rule_id:int}/enabled": {"enabled": "0"},
    "/admin/routing/{rule_id:int}/move": {"direction": "down"},
    "/admin/reviews/{source_id:int}/enabled": {"enabled": "0"},
    "/admin/surveys/{key:str}/retire": {},
    "/admin/patients/{patient_id:int}/erase": {"confirm": "erase"},
}


def _may_get(path: str) -> set[str]:
    return MAY_GET.get(path, {"admin"} if path.startswith("/admin/") else set())


def _may_post(path: str) -> set[str]:
    if path.startswith(("/admin/", "/tickets/{", "/api/v1/tickets/{")):
        return MAY_POST.get(path, TICKET_WORK if "ticket" in path else {"admin"})
    return MAY_POST[path]


async def _fingerprint() -> dict[str, list]:
    from feedback.db import all_tables

    state = {}
    for table in all_tables():
        name = table._meta.tablename
        if name not in TRACE_FREE:
            state[name] = await table.raw(f"SELECT * FROM {name} ORDER BY id")  # noqa: S608
    return state


async def _signed_in_as(client, role: str, ids: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    if role != "anonymous":
        department = int(ids["own"]) if role in ("staff", "lead") else None
        await sign_in(client, await factories.staff(role, department), factories.PASSWORD)
    page = await client.get("/account" if role != "anonymous" else "/login")
    return CSRF_INPUT.search(page.text).group(1)


async def test_no_role_reads_or_changes_what_it_may_not(client):
    app = client._transport.app
    ids = await _world()
    routes = [(method, path) for method, path in _routes(app) if not path.startswith("/schema")]
    unplaced = [
        path
        for method, path in routes
        if method == "GET" and path not in MAY_GET and not path.startswith("/admin/")
    ]
    assert unplaced == [], "routes without a place in the matrix"
    wrongly_read: list[str] = []
    wrongly_changed: list[str] = []
    for role in ROLES:
        token = await _signed_in_as(client, role, ids)
        for method, path in routes:
            if method == "GET" and role not in _may_get(path):
                response = await client.get(_fill(path, ids))
                if response.is_success:
                    wrongly_read.append(f"{role} GET {path} -> {response.status_code}")
        before = await _fingerprint()
        refused = [
            p for m, p in routes if m == "POST" and p != "/logout" and role not in _may_post(p)
        ]
        for path in refused:
            form = {key: _fill(value, ids) for key, value in FORMS.get(path, {}).items()}
            await client.post(_fill(path, ids), data={"_csrf_token": token, **form})
        after = await _fingerprint()
        changed = [name for name in before if before[name] != after[name]]
        if changed:
            wrongly_changed.append(f"{role} changed {changed} through one of {refused}")
    assert wrongly_read == []
    assert wrongly_changed == []
