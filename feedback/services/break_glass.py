"""Break-glass: a lead or staff member who must read another department's feedback in an
emergency (a patient at the desk, a safety event out of hours) opens it for themselves, with a
reason, for a limited time. Everyone responsible learns at once, and every page they open
meanwhile is recorded in the audit trail."""

from __future__ import annotations

import datetime as dt

from feedback.auth.roles import CurrentStaff, Role
from feedback.services import audit
from feedback.tables import BreakGlassGrant, StaffSession, StaffUser
from integrations.email import OutgoingEmail, enqueue

DURATION = dt.timedelta(minutes=60)
MIN_REASON = 20
MAX_REASON = 1000
ALERT = (
    "Emergency access was opened a moment ago.\n\n"
    "Who: {name} ({role}{department})\n"
    "Until: {until} UTC (it can be ended earlier)\n"
    "Grant: #{grant}\n\n"
    "They can read feedback and tickets of every department until then, and every page they "
    "open is recorded in the audit trail. The reason they gave is kept with grant #{grant}; "
    "it is not sent by email because it may name a patient.\n\n"
    "Review it: {link}\n"
)


class BreakGlassError(ValueError):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def open_emergency_access(
    viewer: CurrentStaff, session_id: int, reason: str, *, base_url: str, client: str = ""
) -> int:
    """Start break-glass for this session; returns the grant's id."""
    if viewer.role not in (Role.LEAD, Role.STAFF):
        raise BreakGlassError("Your role already reads every department.")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise BreakGlassError(
            f"Say why you need it (at least {MIN_REASON} characters): it is reviewed."
        )
    if len(reason) > MAX_REASON:
        raise BreakGlassError(f"Keep the reason under {MAX_REASON} characters.")
    now = _now()
    until = now + DURATION
    async with BreakGlassGrant._meta.db.transaction():
        rows = await BreakGlassGrant.insert(
            BreakGlassGrant(staff=viewer.id, reason=reason, started_at=now, expires_at=until)
        ).returning(BreakGlassGrant.id)
        grant = rows[0]["id"]
        await StaffSession.update({StaffSession.emergency_until: until}).where(
            StaffSession.id == session_id
        )
        await audit.record(
            "break_glass.opened",
            actor=viewer,
            object_type="break_glass_grant",
            object_id=grant,
            client_address=client,
            detail={"minutes": int(DURATION.total_seconds() // 60)},
        )
        await _alert(viewer, grant, until, base_url)
    return grant


async def _alert(viewer: CurrentStaff, grant: int, until: dt.datetime, base_url: str) -> None:
    """Every active administrator is told at once (through the outbox, with the change)."""
    admins = await StaffUser.select(StaffUser.id, StaffUser.email).where(
        (StaffUser.role == Role.ADMIN.value) & (StaffUser.is_active == True)  # noqa: E712
    )
    department = f", {viewer.department_name}" if viewer.department_name else ""
    for admin in admins:
        await enqueue(
            OutgoingEmail(
                kind="break_glass_alert",
                business_key=f"break_glass:{grant}:{admin['id']}",
                recipient=admin["email"],
                subject=f"Emergency access opened by {viewer.display_name} (grant #{grant})",
                text=ALERT.format(
                    name=viewer.display_name,
                    role=viewer.role.label,
                    department=department,
                    until=until.strftime("%Y-%m-%d %H:%M"),
                    grant=grant,
                    link=f"{base_url}/admin/emergency-access",
                ),
            )
        )


async def end_emergency_access(viewer: CurrentStaff, session_id: int, client: str = "") -> None:
    now = _now()
    async with BreakGlassGrant._meta.db.transaction():
        await StaffSession.update({StaffSession.emergency_until: None}).where(
            StaffSession.id == session_id
        )
        ended = await (
            BreakGlassGrant.update({BreakGlassGrant.ended_at: now})
            .where(
                (BreakGlassGrant.staff == viewer.id)
                & BreakGlassGrant.ended_at.is_null()
                & (BreakGlassGrant.expires_at > now)
            )
            .returning(BreakGlassGrant.id)
        )
        for row in ended:
            await audit.record(
                "break_glass.ended",
                actor=viewer,
                object_type="break_glass_grant",
                object_id=row["id"],
                client_address=client,
            )


async def recent_grants(limit: int = 100) -> list[dict]:
    """For administrators reviewing emergency access (reasons included: they review them)."""
    return await (
        BreakGlassGrant.select(
            BreakGlassGrant.all_columns(),
            BreakGlassGrant.staff.display_name.as_alias("staff_name"),
            BreakGlassGrant.staff.email.as_alias("staff_email"),
        )
        .order_by(BreakGlassGrant.started_at, ascending=False)
        .limit(limit)
    )
