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
) -> LoopFigures:
    scope = scope or LoopScope()
    # A lead's figures are their own department's, whatever was asked for.
    department = viewer.department_scope() or scope.department_id
    scope = LoopScope(scope.location_id, department, scope.source)

    negative = (
        Where()
        .add("f.received_at >= {}", start)
        .add("f.received_at < {}", end)
        .add("f.sentiment IN ('negative', 'mixed')")
        .add_if(scope.location_id, "f.location = {}")
        .add_if(scope.department_id, "f.department = {}")
        .add_if(scope.source, "f.source = {}")
    )
    counted = await sql.rows(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_feedback tf "  # noqa: S608
        "WHERE tf.feedback_item = f.id) THEN 1 ELSE 0 END) AS ticketed "
        f"FROM feedback_item f WHERE {negative.sql}",
        *negative.args,
    )
    negatives, ticketed = int(counted[0]["n"]), int(counted[0]["ticketed"] or 0)

    resolved = (
        Where()
        .add("t.resolved_at >= {}", start)
        .add("t.resolved_at < {}", end)
        .add_if(scope.location_id, "t.location = {}")
        .add_if(scope.department_id, "t.department = {}")
        .add_if(scope.source, "t.source = {}")
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
        .add_if(scope.location_id, "i.location = {}")
        .add_if(scope.department_id, "i.department = {}")
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
