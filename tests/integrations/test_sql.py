"""InsertPlan: rows for several tables that name each other's new ids, on both engines."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from feedback.db import bind_engine, close_engine, make_engine, start_engine
from feedback.tables import FeedbackItem, Ticket, TicketEvent, TicketFeedback
from integrations import sql
from integrations.sql import InsertPlan, NewId
from tests import factories
from tests.conftest import make_settings


def _plan_items_and_tickets(department_id: int, count: int) -> tuple[InsertPlan, list, list]:
    """`count` comments, a ticket for each, linked in reverse so that a link between
    neighbours in row order would be caught, and a "created" event for each ticket."""
    plan = InsertPlan()
    items = plan.insert(
        FeedbackItem, [{"source": "survey", "text": f"comment {n}"} for n in range(count)]
    )
    tickets = plan.insert(
        Ticket, [{"title": f"ticket {n}", "department": department_id} for n in range(count)]
    )
    plan.insert(
        TicketFeedback,
        [
            {"ticket": ticket, "feedback_item": item}
            for ticket, item in zip(tickets, items[::-1], strict=True)
        ],
    )
    plan.insert(TicketEvent, [{"ticket": ticket, "kind": "created"} for ticket in tickets])
    return plan, items, tickets


async def _links() -> list[tuple[str, str]]:
    rows = await TicketFeedback.select(
        TicketFeedback.ticket.title, TicketFeedback.feedback_item.text
    ).order_by(TicketFeedback.ticket.title)
    return [(row["ticket.title"], row["feedback_item.text"]) for row in rows]


@pytest.mark.parametrize("count", [1, 3, sql.SINGLE_STATEMENT_ROWS // 4])
async def test_planned_rows_get_the_ids_of_the_rows_they_name(db, count):
    department_id = await factories.department()
    plan, items, tickets = _plan_items_and_tickets(department_id, count)
    async with Ticket._meta.db.transaction():
        await plan.run()

    titles = {row["id"]: row["title"] for row in await Ticket.select(Ticket.id, Ticket.title)}
    assert [titles[plan.id_of(ref)] for ref in tickets] == [f"ticket {n}" for n in range(count)]
    texts = {row["id"]: row["text"] for row in await FeedbackItem.select()}
    assert [texts[plan.id_of(ref)] for ref in items] == [f"comment {n}" for n in range(count)]
    expected = sorted((f"ticket {n}", f"comment {count - 1 - n}") for n in range(count))
    assert sorted(await _links()) == expected
    events = await TicketEvent.select(TicketEvent.ticket, TicketEvent.kind)
    assert sorted(row["ticket"] for row in events) == sorted(plan.id_of(t) for t in tickets)


async def test_a_plan_over_the_single_statement_limit_still_links_the_right_rows(db):
    department_id = await factories.department()
    count = sql.SINGLE_STATEMENT_ROWS  # four tables of this many rows: well over the limit
    plan, _, _ = _plan_items_and_tickets(department_id, count)
    async with Ticket._meta.db.transaction():
        await plan.run()
    assert sorted(await _links()) == sorted(
        (f"ticket {n}", f"comment {count - 1 - n}") for n in range(count)
    )


@pytest.fixture
async def postgres_db(postgres_database_url):
    settings = make_settings(postgres_database_url)
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    yield engine
    await close_engine(engine)


def _record_statements(monkeypatch) -> list[str]:
    """What the asyncpg connections are asked to run from now on."""
    sent: list[str] = []
    for method in ("execute", "fetch", "fetchrow", "fetchval", "executemany"):
        original = getattr(asyncpg.connection.Connection, method)

        async def counted(self, query, *args, _original=original, **kwargs):
            sent.append(query)
            return await _original(self, query, *args, **kwargs)

        monkeypatch.setattr(asyncpg.connection.Connection, method, counted)
    return sent


async def test_postgres_runs_a_small_plan_in_one_round_trip(postgres_db, monkeypatch):
    department_id = await factories.department()
    plan, _, _ = _plan_items_and_tickets(department_id, 3)
    sent = _record_statements(monkeypatch)
    async with Ticket._meta.db.transaction():
        await plan.run()
        in_transaction = [query for query in sent if not query.startswith("BEGIN")]
    assert len(in_transaction) == 1
    assert in_transaction[0].startswith("WITH")
    assert len(await _links()) == 3


async def test_a_plan_that_fails_part_way_leaves_nothing_written(db):
    department_id = await factories.department()
    plan = InsertPlan()
    [item] = plan.insert(FeedbackItem, [{"source": "survey", "text": "a comment"}])
    [ticket] = plan.insert(Ticket, [{"title": "a ticket", "department": department_id}])
    plan.insert(TicketFeedback, [{"ticket": ticket, "feedback_item": item}])
    plan.insert(TicketEvent, [{"ticket": ticket, "kind": "created", "actor": 987_654}])
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with Ticket._meta.db.transaction():
            await plan.run()
    assert await FeedbackItem.count() == 0
    assert await Ticket.count() == 0


async def test_follow_ups_run_once_the_ids_exist(db):
    department_id = await factories.department()
    plan = InsertPlan()
    [ticket] = plan.insert(Ticket, [{"title": "urgent", "department": department_id}])
    seen: list[str] = []

    async def follow_up() -> None:
        row = await Ticket.select(Ticket.title).where(Ticket.id == plan.id_of(ticket)).first()
        seen.append(row["title"])

    plan.then(follow_up)
    async with Ticket._meta.db.transaction():
        await plan.run()
    assert seen == ["urgent"]


def test_a_row_may_name_only_rows_planned_before_it():
    plan = InsertPlan()
    [ticket] = plan.insert(Ticket, [{"title": "t", "department": 1}])
    with pytest.raises(ValueError, match="not planned before it"):
        plan.insert(TicketEvent, [{"ticket": NewId(ticket.step, 1), "kind": "created"}])
    with pytest.raises(ValueError, match="not planned before it"):
        plan.insert(TicketEvent, [{"ticket": NewId(5, 0), "kind": "created"}])
    with pytest.raises(RuntimeError, match="not run yet"):
        plan.id_of(ticket)


CLAIM = "UPDATE department SET name = {} WHERE id = {} AND name = {} RETURNING id"


async def test_a_claim_that_holds_writes_the_rows_and_one_that_fails_writes_none(db):
    from integrations.ratelimit import plan_hits
    from integrations.tables import RateLimitBucket
    from surveys.tables import Department

    department_id = await factories.department("Cardiology")
    outcomes = []
    for _ in range(2):
        plan, _, _ = _plan_items_and_tickets(department_id, 2)
        # The first plan renames the department and so claims it; the second finds the old
        # name gone. Both count a request, as a submission counts its address either way.
        plan.claim(Department, CLAIM, "Cardiology (claimed)", department_id, "Cardiology")
        plan_hits(plan, ["an address"], dt.timedelta(hours=1))
        outcomes.append(await plan.commit())

    assert outcomes == [True, False]
    assert await Ticket.count() == 2
    assert await FeedbackItem.count() == 2
    assert len(await _links()) == 2
    assert await RateLimitBucket.select(RateLimitBucket.hits) == [{"hits": 2}]


async def test_postgres_commits_a_claimed_plan_as_one_statement(postgres_db, monkeypatch):
    from surveys.tables import Department

    department_id = await factories.department("Cardiology")
    plan, _, _ = _plan_items_and_tickets(department_id, 3)
    plan.claim(Department, CLAIM, "Cardiology (claimed)", department_id, "Cardiology")
    sent = _record_statements(monkeypatch)
    assert await plan.commit()
    assert len(sent) == 1, sent  # no BEGIN, no COMMIT: one statement is its own transaction
    assert sent[0].startswith("WITH claim AS (UPDATE department")
    assert len(await _links()) == 3


async def test_a_plan_committed_inside_an_open_transaction_is_part_of_it(db):
    """commit() inside the caller's transaction must not write on a connection of its own:
    when the caller rolls back, the plan's rows go too."""
    department_id = await factories.department()
    plan, _, _ = _plan_items_and_tickets(department_id, 2)

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack):
        async with Ticket._meta.db.transaction():
            assert await plan.commit()
            raise RolledBack
    assert await Ticket.count() == 0
    assert await FeedbackItem.count() == 0
