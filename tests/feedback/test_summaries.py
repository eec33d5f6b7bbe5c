"""Daily summaries: the dashboard reads them for old, unchanged days and gives exactly the
figures the live queries give, on SQLite and PostgreSQL, before and after changes to
summarised days (which the database's triggers mark stale in the same transaction)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import asyncpg
import pytest

from feedback.auth.roles import CurrentStaff, Role
from feedback.services import aggregate_sql as sql
from feedback.services.dashboard import DashboardFilters, dashboard_for, queries
from feedback.services.loop_metrics import LoopScope, _negative_ticketed
from feedback.services.summaries import (
    REBUILD_LOCK,
    DayPlan,
    build_pending,
    days_to_build,
    last_day_to_build,
    plan_days,
)
from feedback.tables import FeedbackItem, Ticket, TicketFeedback
from surveys.tables import Answer, Invitation, Response, Visit
from tests.feedback.dashboard_seed import END, PREVIOUS_DAY, START, at, seed_quarter

ADMIN = CurrentStaff(1, "a@example.org", "A", Role.ADMIN, None, None)
NOW = at(END + dt.timedelta(days=1))


def _filters(**kw) -> DashboardFilters:
    return DashboardFilters.parse(START.isoformat(), END.isoformat(), **kw)


def _canon(rows: list[dict]) -> list[tuple]:
    def value(v: object) -> object:
        return int(v) if isinstance(v, (Decimal, bool)) else v

    return sorted(tuple((k, value(v)) for k, v in sorted(row.items())) for row in rows)


async def _aggregates(filters: DashboardFilters, plan: DayPlan) -> dict[str, list[tuple]]:
    keys = await queries.question_keys()
    nps_keys = keys["nps"]
    period = filters.period
    scope = LoopScope(filters.location_id, filters.department_id, filters.source)
    return {
        "feedback": _canon(await queries.feedback_by_day(filters, plan)),
        "themes": _canon(await queries.negative_themes(filters, plan)),
        "scores": _canon(await queries.scores_by_day(filters, nps_keys | keys["rating"], plan)),
        "invitations": _canon(await queries.invitations_by_day(filters, plan)),
        "retention": _canon(await queries.retention(filters, nps_keys, plan)),
        "ticketed": [
            await _negative_ticketed(p.start_at, p.end_at, scope, plan)
            for p in (period, period.previous)
        ],
    }


async def _summarised_equals_live(filters: DashboardFilters) -> DayPlan:
    """The figures through the current plan equal the figures read wholly live."""
    plan = await queries.day_plan(filters)
    everything = DayPlan(
        (), ((filters.period.previous.start, filters.period.end + queries.ONE_DAY),)
    )
    assert await _aggregates(filters, plan) == await _aggregates(filters, everything)
    return plan


async def _stale_days() -> set[str]:
    rows = await sql.rows("SELECT day FROM summary_stale")
    return {str(row["day"])[:10] for row in rows}


FILTER_SETS = [
    {},
    {"source": "survey"},
    {"source": "staff"},
    {"location": "hilltop"},
    {"department": "cardiology"},
]


@pytest.mark.parametrize("chosen", FILTER_SETS, ids=lambda kw: ",".join(kw) or "all")
async def test_the_dashboard_from_summaries_is_the_dashboard_from_live_queries(db, chosen):
    seeded = await seed_quarter()
    names = {"hilltop": seeded.hilltop, "cardiology": seeded.cardiology}
    filters = _filters(**{k: str(names.get(v, v)) for k, v in chosen.items()})
    live = await dashboard_for(ADMIN, filters, now=NOW)
    assert (await plan_days(PREVIOUS_DAY, END)).summarised == ()

    built = await build_pending()
    assert built >= (END - PREVIOUS_DAY).days  # every day from the first item on
    plan = await _summarised_equals_live(filters)
    # Days before the first piece of data are not built; reading them live finds nothing.
    assert plan.summarised == ((PREVIOUS_DAY, END + dt.timedelta(days=1)),)
    assert plan.live == ((filters.period.previous.start, PREVIOUS_DAY),)
    assert await dashboard_for(ADMIN, filters, now=NOW) == live
    assert await build_pending() == 0  # nothing left to do


async def test_each_change_to_a_summarised_day_is_marked_and_never_read_stale(db):
    seeded = await seed_quarter()
    filters = _filters()
    item_day = START + dt.timedelta(days=30)  # a positive Cardiology item
    [item] = await FeedbackItem.select(FeedbackItem.id).where(
        FeedbackItem.received_at == at(item_day)
    )
    invitation_day = START + dt.timedelta(days=70)
    response_day = START + dt.timedelta(days=35)  # a detractor of the quarter
    [response] = await Response.select(Response.id, Response.visit).where(
        Response.submitted_at == at(response_day)
    )
    [visit] = await Visit.select().where(Visit.id == response["visit"])
    old_day = PREVIOUS_DAY + dt.timedelta(days=3)
    erased_day = START + dt.timedelta(days=2)  # a ticketed negative item

    async def rescore() -> None:  # what `feedback rescore` does
        await FeedbackItem.update(
            {
                FeedbackItem.sentiment: "negative",
                FeedbackItem.themes: json.dumps([{"theme": "billing", "sentiment": "negative"}]),
            }
        ).where(FeedbackItem.id == item["id"])

    async def ticket_it() -> None:  # linked later, from the lead's queue
        ticket = await Ticket.insert(
            Ticket(title="Billing", department=seeded.cardiology, location=seeded.riverside)
        ).returning(Ticket.id)
        await TicketFeedback.insert(
            TicketFeedback(ticket=ticket[0]["id"], feedback_item=item["id"])
        )

    async def answer_invitation() -> None:
        await Invitation.update({Invitation.used_at: at(invitation_day)}).where(
            (Invitation.sent_at == at(invitation_day)) & Invitation.used_at.is_null()
        )

    async def correct_answer() -> None:
        await Answer.update({Answer.numeric_value: 10}).where(
            (Answer.response == response["id"]) & (Answer.question_key == "overall_rating")
        )

    async def later_visit() -> None:  # makes the detractor a returning patient
        await Visit.insert(
            Visit(
                patient=visit["patient"],
                location=visit["location"],
                department=visit["department"],
                visit_date=visit["visit_date"] + dt.timedelta(days=100),
                visit_type="clinic",
            )
        )

    async def import_old_item() -> None:
        await FeedbackItem.insert(
            FeedbackItem(source="api", text="Old", received_at=at(old_day), sentiment="mixed")
        )

    async def erase_item() -> None:
        await FeedbackItem.delete().where(FeedbackItem.received_at == at(erased_day))

    changes = [
        (rescore, item_day, "negative_share"),
        (ticket_it, item_day, "ticketed"),
        (answer_invitation, invitation_day, "response_rate"),
        (correct_answer, response_day, "top_box"),
        (later_visit, response_day, None),
        (import_old_item, old_day, None),
        (erase_item, erased_day, "ticketed"),
    ]
    for change, day, kpi in changes:
        await build_pending()
        assert await _stale_days() == set()
        before = await dashboard_for(ADMIN, filters, now=NOW)
        await change()
        assert await _stale_days() == {day.isoformat()}, change.__name__
        plan = await _summarised_equals_live(filters)
        assert (day, day + dt.timedelta(days=1)) in plan.live
        assert plan.summarised  # the untouched days still come from the summaries
        after = await dashboard_for(ADMIN, filters, now=NOW)
        if kpi:
            assert after.kpi(kpi).change != before.kpi(kpi).change, change.__name__
        # The worker's rebuild brings the day back into the summaries, with the same figures.
        assert await build_pending() == 1
        assert await _stale_days() == set()
        assert (await queries.day_plan(filters)).live == (
            (filters.period.previous.start, PREVIOUS_DAY),
        )
        await _summarised_equals_live(filters)
        assert await dashboard_for(ADMIN, filters, now=NOW) == after


async def test_todays_work_is_not_marked_and_today_is_read_live(db):
    await seed_quarter()
    now = dt.datetime.now(dt.UTC)
    await build_pending(now)
    await FeedbackItem.insert(FeedbackItem(source="api", text="Now", sentiment="negative"))
    assert await _stale_days() == set()  # a submission pays nothing for the summaries
    yesterday = now - dt.timedelta(days=1)
    await FeedbackItem.insert(FeedbackItem(source="api", text="Late", received_at=yesterday))
    assert await _stale_days() == {yesterday.date().isoformat()}

    await build_pending(now)
    assert await days_to_build(now) == []
    today = now.date()
    recent = DashboardFilters.parse((today - dt.timedelta(days=6)).isoformat(), today.isoformat())
    plan = await _summarised_equals_live(recent)
    # Yesterday is summarised once it has been over for an hour; today never is.
    first_live = last_day_to_build(now) + dt.timedelta(days=1)
    assert first_live == today - dt.timedelta(days=1 if now.hour < 1 else 0)
    assert plan.live == ((first_live, today + dt.timedelta(days=1)),)
    board = await dashboard_for(ADMIN, recent)
    assert board.kpi("feedback").change.current.value == 2


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_only_one_process_rebuilds_at_a_time_on_postgres(db, database_url):
    """Every web and worker process runs the rebuild job; on PostgreSQL the one that finds
    another holding the rebuild lock leaves the days to it. (SQLite has one writer: rebuilds
    queue behind each other by construction.)"""
    await seed_quarter()
    other = await asyncpg.connect(database_url)
    try:
        await other.execute("SELECT pg_advisory_lock($1)", REBUILD_LOCK)
        assert await build_pending() == 0
        assert (await plan_days(START, END)).summarised == ()
        await other.execute("SELECT pg_advisory_unlock($1)", REBUILD_LOCK)
        assert await build_pending() > 0
        assert (await plan_days(START, END)).live == ()
    finally:
        await other.close()
