"""The monthly summary email: aggregates and a link only, once per executive and month."""

from __future__ import annotations

import datetime as dt

from feedback.auth.roles import CurrentStaff, Role
from feedback.services.monthly_summary import enqueue_monthly_summaries, previous_month
from integrations.tables import OutboxMessage
from tests.feedback.dashboard_seed import seed_quarter

EXECUTIVE = CurrentStaff(7, "ceo@hospital.example.org", "Chief", Role.EXECUTIVE, None, None)


def test_last_month_is_the_whole_calendar_month():
    period = previous_month(dt.date(2026, 3, 15))
    assert (period.start, period.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


async def test_the_summary_is_queued_once_with_figures_and_no_patient_data(db):
    await seed_quarter()
    today = dt.date(2026, 9, 3)  # summarises August 2026
    assert await enqueue_monthly_summaries([EXECUTIVE], today, "https://px.example.org") == 1
    assert await enqueue_monthly_summaries([EXECUTIVE], today, "https://px.example.org") == 0
    row = await OutboxMessage.select().where(OutboxMessage.kind == "monthly_summary").first()
    assert row["recipient"] == EXECUTIVE.email
    assert row["subject"] == "Patient experience summary, August 2026"
    body = row["body_text"]
    assert "Feedback received: 29 (n = 29)" in body  # items of days 31-59 of the quarter
    assert "https://px.example.org/reports/dashboard?from=2026-08-01&to=2026-08-31" in body
    # Aggregates only: no comment text, names, phone numbers or addresses of patients.
    for leaked in ("bill was wrong", "07700", "@example.org", "Smith", "Ann"):
        assert leaked not in body


async def test_only_executives_and_admins_who_opted_in_get_it_once_a_month(client) -> None:
    from feedback.services.monthly_summary import send_monthly_summaries
    from tests import factories
    from tests.conftest import csrf_token, sign_in

    wants = await factories.staff("executive")
    await factories.staff("executive")  # did not ask
    await sign_in(client, wants, factories.PASSWORD)
    token = await csrf_token(client, "/account")
    chosen = await client.post(
        "/account/monthly-summary", data={"_csrf_token": token, "monthly_report": "yes"}
    )
    assert chosen.status_code == 303
    today = dt.date(2026, 12, 1)
    assert await send_monthly_summaries(today, "https://px.example.org") == 1
    assert await send_monthly_summaries(today + dt.timedelta(days=1), "https://px.example.org") == 0
    rows = await OutboxMessage.select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "monthly_summary"
    )
    assert [row["recipient"] for row in rows] == [wants]


async def test_leads_cannot_ask_for_the_monthly_summary(client) -> None:
    from tests import factories
    from tests.conftest import csrf_token, sign_in

    lead = await factories.staff("lead", await factories.department())
    await sign_in(client, lead, factories.PASSWORD)
    token = await csrf_token(client, "/account")
    refused = await client.post(
        "/account/monthly-summary", data={"_csrf_token": token, "monthly_report": "yes"}
    )
    assert refused.status_code == 403
