"""Closed-loop figures: is negative feedback ticketed, are tickets resolved in time and how
fast, are the patients who contributed told, and how long from feedback to change.

Every figure is counted in the database (grouped counts and histograms, never lists of ids),
so the overview, the executive dashboard and the PDF can ask for them over a million items.
The SQL is built from constant fragments with every value bound (hence the S608 silencing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feedback.auth.roles import CurrentStaff
from feedback.metrics import Figure, median_days, rate, sla_compliance
from feedback.services import aggregate_sql as sql
from feedback.services.aggregate_sql import Where
from feedback.services.summaries import DayPlan

# These are operational shares, not survey scores: a small sample is still worth showing.
LOOP_MIN_SAMPLE = 1
NO_FIGURE = Figure(None, 0)


@dataclass(frozen=True)
class LoopFigures:
    negative_ticketed: Figure
    resolved_within_sla: Figure
    patients_told: Figure
    median_days_to_change: float | None
    changes: int
    median_days_to_resolve: Figure = NO_FIGURE
    # Sample behind median_days_to_change: pieces of feedback that led to a published change.
    changed_feedback: int = 0


@dataclass(frozen=True)
class LoopScope:
    """Optional narrowing of the figures (the dashboard's filters)."""

    location_id: int | None = None
    department_id: int | None = None
    source: str | None = None


async def loop_figures(
    viewer: CurrentStaff,
    start: dt.datetime,
    end: dt.datetime,
    scope: LoopScope | None = None,
    plan: DayPlan | None = None,
) -> LoopFigures:
    """`plan` (whole days only) lets the ticketed share read the daily summaries."""
    scope = scope or LoopScope()
    # A lead's figures are their own department's, whatever was asked for.
    department = viewer.department_scope() or scope.department_id
    scope = LoopScope(scope.location_id, department, scope.source)

    negatives, ticketed = await _negative_ticketed(start, end, scope, plan)

    resolved = (
        Where()
        .add("t.resolved_at >= {}", start)
        .add("t.resolved_at < {}", end)
        .add_scope("t", scope.location_id, scope.department_id, scope.source)
    )
    hours = sql.whole_hours("t.resolved_at", "t.created_at")
    histogram: dict[int, int] = {}
    in_time = 0
    for row in await sql.rows(
        f"SELECT {hours} AS hours, COUNT(*) AS n, SUM(CASE WHEN t.resolve_due_at IS NULL OR "  # noqa: S608
        "t.resolved_at <= t.resolve_due_at THEN 1 ELSE 0 END) AS in_time "
        f"FROM ticket t WHERE {resolved.sql} GROUP BY 1",
        *resolved.args,
    ):
        histogram[max(int(row["hours"] or 0), 0)] = histogram.get(
            max(int(row["hours"] or 0), 0), 0
        ) + int(row["n"])
        in_time += int(row["in_time"] or 0)

    changes = (
        Where()
        .add("i.status = 'published'")
        .add("i.published_at >= {}", start)
        .add("i.published_at < {}", end)
        .add_scope("i", scope.location_id, scope.department_id)
    )
    counted_changes = f"SELECT COUNT(*) AS n FROM improvement i WHERE {changes.sql}"  # noqa: S608
    change_count = int((await sql.rows(counted_changes, *changes.args))[0]["n"])
    linked = (
        "FROM improvement i JOIN improvement_ticket it ON it.improvement = i.id "
        "JOIN ticket_feedback tf ON tf.ticket = it.ticket "
        f"JOIN feedback_item f ON f.id = tf.feedback_item WHERE {changes.sql}"
    )
    delay = sql.whole_hours("i.published_at", "f.received_at")
    to_change = {
        int(row["hours"] or 0): int(row["n"])
        for row in await sql.rows(
            f"SELECT {delay} AS hours, COUNT(*) AS n {linked} GROUP BY 1", *changes.args
        )
    }
    # A patient is told once per improvement (the outbox business key of
    # feedback.services.improvements.business_key), however many of their comments it answers.
    told = await sql.rows(
        "SELECT COUNT(*) AS contributors, SUM(CASE WHEN EXISTS (SELECT 1 FROM outbox_message o "  # noqa: S608
        "WHERE o.business_key = 'improvement:' || c.improvement || ':patient:' || c.patient "
        "AND o.kind = 'improvement' AND o.status = 'sent') THEN 1 ELSE 0 END) AS told "
        "FROM (SELECT DISTINCT i.id AS improvement, f.patient AS patient "
        f"{linked} AND f.patient IS NOT NULL) c",
        *changes.args,
    )
    to_change_days = median_days(to_change)
    return LoopFigures(
        negative_ticketed=rate(ticketed, negatives, LOOP_MIN_SAMPLE),
        resolved_within_sla=sla_compliance(in_time, sum(histogram.values()), LOOP_MIN_SAMPLE),
        patients_told=rate(
            int(told[0]["told"] or 0), int(told[0]["contributors"]), LOOP_MIN_SAMPLE
        ),
        median_days_to_change=to_change_days.value,
        changes=change_count,
        median_days_to_resolve=median_days(histogram, LOOP_MIN_SAMPLE),
        changed_feedback=to_change_days.n,
    )


async def _negative_ticketed(
    start: dt.datetime, end: dt.datetime, scope: LoopScope, plan: DayPlan | None
) -> tuple[int, int]:
    """Negative or mixed items received in [start, end), and how many of them are ticketed."""
    if plan is None:
        summary, summary_args = "1 = 0", []
        live, live_args = "f.received_at >= {} AND f.received_at < {}", [start, end]
    else:
        plan = plan.clip(start.date(), end.date())
        summary, summary_args = plan.summary_days("s.day")
        live, live_args = plan.live_days("f.received_at")
    kept, read = (
        Where().add_scope(alias, scope.location_id, scope.department_id, scope.source)
        for alias in ("s", "f")
    )
    counted = await sql.rows(
        "SELECT SUM(n) AS n, SUM(ticketed) AS ticketed FROM ("  # noqa: S608
        "SELECT SUM(s.n) AS n, SUM(s.ticketed) AS ticketed FROM summary_feedback s "
        f"WHERE {summary} AND {kept.sql} AND s.sentiment IN ('negative', 'mixed') UNION ALL "
        "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_feedback tf "
        "WHERE tf.feedback_item = f.id) THEN 1 ELSE 0 END) FROM feedback_item f "
        f"WHERE {live} AND {read.sql} AND f.sentiment IN ('negative', 'mixed')"
        ") AS both_parts",
        *summary_args,
        *kept.args,
        *live_args,
        *read.args,
    )
    return int(counted[0]["n"] or 0), int(counted[0]["ticketed"] or 0)
