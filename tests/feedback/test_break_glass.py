"""Break-glass: a lead reads another department in an emergency, with a reason, for a limited
time; administrators are alerted and every page opened is recorded."""

from __future__ import annotations

import datetime as dt

from feedback.services.feedback_items import NewFeedback, record_feedback
from feedback.tables import AuditEvent, BreakGlassGrant, StaffSession
from integrations.tables import OutboxMessage
from tests import factories
from tests.conftest import csrf_token, sign_in

OTHER_DEPARTMENT_COMMENT = "The oncology day unit lost my infusion booking twice."


async def _setup(client):  # type: ignore[no-untyped-def]
    cardiology = await factories.department("Cardiology")
    oncology = await factories.department("Oncology")
    item = await record_feedback(
        NewFeedback(source="staff", text=OTHER_DEPARTMENT_COMMENT, department_id=oncology)
    )
    await factories.staff("admin", email="admin@hospital.example.org")
    lead = await factories.staff("lead", cardiology)
    await sign_in(client, lead, factories.PASSWORD)
    return item, await csrf_token(client, "/account")


async def test_a_lead_opens_emergency_access_with_a_reason_and_is_watched(client) -> None:
    item, token = await _setup(client)
    assert (await client.get(f"/feedback/{item}")).status_code == 404

    too_short = await client.post("/account/emergency", data={"_csrf_token": token, "reason": "x"})
    assert too_short.status_code == 422
    assert "Say why you need it" in too_short.text
    assert await BreakGlassGrant.count() == 0

    reason = "Patient at the front desk reports a missed chemotherapy slot; checking history."
    opened = await client.post("/account/emergency", data={"_csrf_token": token, "reason": reason})
    assert opened.status_code == 303
    page = await client.get(f"/feedback/{item}")
    assert page.status_code == 200
    assert OTHER_DEPARTMENT_COMMENT in page.text
    assert "Emergency access is on" in page.text

    grant = await BreakGlassGrant.select().first()
    assert grant["reason"] == reason
    alert = await OutboxMessage.select().where(OutboxMessage.kind == "break_glass_alert").first()
    assert alert["recipient"] == "admin@hospital.example.org" or alert["recipient"].startswith(
        "v1:"
    )
    assert reason not in alert["body_text"] and "chemotherapy" not in alert["subject"]
    requests = await AuditEvent.select(AuditEvent.detail).where(
        AuditEvent.action == "break_glass.request"
    )
    assert any(f"/feedback/{item}" in str(row["detail"]) for row in requests)
    assert await AuditEvent.exists().where(AuditEvent.action == "break_glass.opened")

    ended = await client.post("/account/emergency/end", data={"_csrf_token": token})
    assert ended.status_code == 303
    assert (await client.get(f"/feedback/{item}")).status_code == 404
    assert (await BreakGlassGrant.select().first())["ended_at"] is not None


async def test_emergency_access_expires_by_itself(client) -> None:
    item, token = await _setup(client)
    reason = "Safety event out of hours: fall reported on the oncology ward tonight."
    await client.post("/account/emergency", data={"_csrf_token": token, "reason": reason})
    await StaffSession.update(
        {StaffSession.emergency_until: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
        force=True,
    )
    assert (await client.get(f"/feedback/{item}")).status_code == 404


async def test_admins_review_grants_and_others_cannot(client) -> None:
    await _setup(client)
    assert (await client.get("/admin/emergency-access")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "admin@hospital.example.org", factories.PASSWORD)
    page = await client.get("/admin/emergency-access")
    assert page.status_code == 200 and "No emergency access has been opened" in page.text


def test_emergency_access_reads_but_never_changes_another_department() -> None:
    from feedback.auth.roles import CurrentStaff, Role

    lead = CurrentStaff(1, "l@h.org", "Lee", Role.LEAD, 10, "Cardiology", emergency_access=True)
    assert lead.department_scope() is None and lead.can_view_department(20)
    assert not lead.can_change_department(20) and lead.can_change_department(10)
