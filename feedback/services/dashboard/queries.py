"""The dashboard's aggregates. Each query scans the period and the one before it once and
returns grouped counts (per day, per source, per score...), never rows of feedback, so memory
stays flat however large the tables grow; the metric math is feedback.metrics.

The SQL is assembled from constant fragments (feedback.services.aggregate_sql); every value is
a bound parameter, which is why the S608 warnings are silenced line by line."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from typing import Any

from feedback.services import aggregate_sql as sql
from feedback.services.aggregate_sql import Where
from feedback.services.dashboard.period import DashboardFilters
from feedback.services.summaries import (
    RECOMMEND_GROUP,
    DayPlan,
    plan_days,
    returned_within_year,
)
from feedback.tickets.states import OPEN_STATUSES
from surveys.definition import parse_definition
from surveys.tables import SurveyVersion

NEGATIVE = ("negative", "mixed")
SENTIMENT_ORDER = ("positive", "neutral", "mixed", "negative")
ONE_DAY = dt.timedelta(days=1)


def _span(filters: DashboardFilters) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the previous period to the end of this one."""
    return filters.period.previous.start_at, filters.period.end_at


async def day_plan(filters: DashboardFilters) -> DayPlan:
    """Which days of both periods come from the daily summaries, which are read live."""
    return await plan_days(filters.period.previous.start, filters.period.end + ONE_DAY)


def dimensions(filters: DashboardFilters, alias: str, *, source: bool = True) -> Where:
    return Where().add_scope(
        alias, filters.location_id, filters.department_id, filters.source if source else None
    )


async def feedback_by_day(filters: DashboardFilters, plan: DayPlan) -> list[dict[str, Any]]:
    """Feedback per day, source and sentiment, both periods."""
    summary, summary_args = plan.summary_days("s.day")
    live, live_args = plan.live_days("f.received_at")
    kept, read = dimensions(filters, "s"), dimensions(filters, "f")
    return await sql.rows(
        "SELECT day, source, sentiment, SUM(n) AS n FROM ("  # noqa: S608
        "SELECT s.day AS day, s.source AS source, s.sentiment AS sentiment, "
        f"SUM(s.n) AS n FROM summary_feedback s WHERE {summary} AND {kept.sql} GROUP BY 1, 2, 3 "
        f"UNION ALL SELECT {sql.day_value('f.received_at')}, f.source, f.sentiment, COUNT(*) "
        f"FROM feedback_item f WHERE {live} AND {read.sql} GROUP BY 1, 2, 3"
        ") AS both_parts GROUP BY day, source, sentiment",
        *summary_args,
        *kept.args,
        *live_args,
        *read.args,
    )


async def negative_themes(filters: DashboardFilters, plan: DayPlan) -> list[dict[str, Any]]:
    """Negative theme mentions per department and theme, with a current-period flag."""
    summary, summary_args = plan.summary_days("s.day")
    live, live_args = plan.live_days("f.received_at")
    kept, read = dimensions(filters, "s"), dimensions(filters, "f")
    source, theme, sentiment = sql.themes_join("f")
    return await sql.rows(
        "SELECT cur, department, theme, SUM(n) AS n FROM ("  # noqa: S608
        "SELECT CASE WHEN s.day >= {} THEN 1 ELSE 0 END AS cur, s.department AS department, "
        f"s.theme AS theme, SUM(s.n) AS n FROM summary_theme s WHERE {summary} AND {kept.sql} "
        # By day first, in the covering index's order: SQLite then groups as it reads
        # instead of sorting every row (44 -> 30 ms); the outer GROUP BY adds the days up.
        "GROUP BY s.day, s.department, s.theme UNION ALL "
        "SELECT CASE WHEN f.received_at >= {} THEN 1 ELSE 0 END, f.department, "
        f"{theme}, COUNT(*) FROM feedback_item f, {source} WHERE {live} AND {read.sql} "
        f"AND {sentiment} = 'negative' GROUP BY 1, 2, 3"
        ") AS both_parts GROUP BY cur, department, theme",
        filters.period.start,
        *summary_args,
        *kept.args,
        filters.period.start_at,
        *live_args,
        *read.args,
    )


async def question_keys() -> dict[str, set[str]]:
    """Question keys by type ('nps', 'rating') over every survey version patients saw."""
    keys: dict[str, set[str]] = defaultdict(set)
    versions = await (
        SurveyVersion.select(SurveyVersion.definition)
        .where(SurveyVersion.status != "draft")
        .output(load_json=True)
    )
    for version in versions:
        try:
            definition = parse_definition(version["definition"])
        except ValueError:
            continue  # an unreadable old version cannot be scored; the rest still can
        for question in definition.questions:
            keys[question.type].add(question.key)
    return keys


def _in(keys: set[str]) -> tuple[str, list[str]]:
    ordered = sorted(keys) or [""]
    return ", ".join("{}" for _ in ordered), ordered


async def scores_by_day(
    filters: DashboardFilters, keys: set[str], plan: DayPlan
) -> list[dict[str, Any]]:
    """0-10 answers per day, question and score, both periods."""
    if not keys:
        return []
    summary, summary_args = plan.summary_days("s.day")
    live, live_args = plan.live_days("r.submitted_at")
    kept, read = dimensions(filters, "s", source=False), dimensions(filters, "r", source=False)
    marks, values = _in(keys)
    return await sql.rows(
        "SELECT day, question_key, score, SUM(n) AS n FROM ("  # noqa: S608
        "SELECT s.day AS day, s.question_key AS question_key, "
        f"s.score AS score, SUM(s.n) AS n FROM summary_score s WHERE {summary} AND {kept.sql} "
        f"AND s.question_key IN ({marks}) GROUP BY 1, 2, 3 UNION ALL "
        f"SELECT {sql.day_value('r.submitted_at')}, a.question_key, a.numeric_value, COUNT(*) "
        "FROM survey_answer a JOIN survey_response r ON r.id = a.response "
        f"WHERE {live} AND {read.sql} AND a.question_key IN ({marks}) "
        "AND a.numeric_value IS NOT NULL GROUP BY 1, 2, 3"
        ") AS both_parts GROUP BY day, question_key, score",
        *summary_args,
        *kept.args,
        *values,
        *live_args,
        *read.args,
        *values,
    )


async def invitations_by_day(filters: DashboardFilters, plan: DayPlan) -> list[dict[str, Any]]:
    summary, summary_args = plan.summary_days("s.day")
    live, live_args = plan.live_days("i.sent_at")
    kept, read = dimensions(filters, "s", source=False), dimensions(filters, "v", source=False)
    # Invitations take their location and department from their visit.
    join = "JOIN visit v ON v.id = i.visit " if read.parts else ""
    return await sql.rows(
        "SELECT day, SUM(sent) AS sent, SUM(answered) AS answered FROM ("  # noqa: S608
        "SELECT s.day AS day, SUM(s.sent) AS sent, "
        f"SUM(s.answered) AS answered FROM summary_invitation s WHERE {summary} "
        f"AND {kept.sql} GROUP BY 1 UNION ALL "
        f"SELECT {sql.day_value('i.sent_at')}, COUNT(*), "
        "SUM(CASE WHEN i.used_at IS NOT NULL THEN 1 ELSE 0 END) "
        f"FROM invitation i {join}WHERE {live} AND {read.sql} GROUP BY 1"
        ") AS both_parts GROUP BY day",
        *summary_args,
        *kept.args,
        *live_args,
        *read.args,
    )


async def retention(
    filters: DashboardFilters, nps_keys: set[str], plan: DayPlan
) -> list[dict[str, Any]]:
    """Patients who answered the recommend question, by promoter/passive/detractor, and how
    many of them came back (another imported visit within 12 months of the surveyed one).
    Distinct patients over a whole period cannot be added up from days, so the summary keeps
    one row per answer and the counting happens here, over both parts at once. The two
    periods are separate statements that run side by side: this is the dashboard's costliest
    count, and one statement uses one core."""
    if not nps_keys:
        return []
    period = filters.period
    current, previous = await asyncio.gather(
        _retention(filters, nps_keys, plan.clip(period.start, period.end + ONE_DAY)),
        _retention(filters, nps_keys, plan.clip(period.previous.start, period.start)),
    )
    return [{**row, "cur": 1} for row in current] + [{**row, "cur": 0} for row in previous]


async def _retention(
    filters: DashboardFilters, nps_keys: set[str], plan: DayPlan
) -> list[dict[str, Any]]:
    summary, summary_args = plan.summary_days("s.day")
    live, live_args = plan.live_days("r.submitted_at")
    kept, read = dimensions(filters, "s", source=False), dimensions(filters, "r", source=False)
    marks, values = _in(nps_keys)
    group = RECOMMEND_GROUP.format(score="a.numeric_value")
    return await sql.rows(
        "SELECT grp, COUNT(DISTINCT patient) AS patients, "  # noqa: S608
        "COUNT(DISTINCT CASE WHEN returned = 1 THEN patient END) AS returned FROM ("
        "SELECT s.grp AS grp, s.patient AS patient, s.returned AS returned "
        f"FROM summary_recommend s WHERE {summary} AND {kept.sql} "
        f"AND s.question_key IN ({marks}) UNION ALL "
        f"SELECT {group}, v.patient, {returned_within_year('v')} FROM survey_response r "
        "JOIN survey_answer a ON a.response = r.id JOIN visit v ON v.id = r.visit "
        f"WHERE {live} AND {read.sql} AND a.question_key IN ({marks}) "
        "AND a.numeric_value IS NOT NULL"
        ") AS both_parts GROUP BY grp",
        *summary_args,
        *kept.args,
        *values,
        *live_args,
        *read.args,
        *values,
    )


async def overdue_by_department(filters: DashboardFilters, now: dt.datetime) -> list[dict]:
    """Open tickets past their resolve-by time, now, per department (most first)."""
    where = dimensions(filters, "t").add("t.resolve_due_at < {}", now)
    statuses = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    # Counted per department id first, from the partial index of open tickets by due date
    # (ticket_open_due); the unary plus keeps SQLite from walking the department index
    # instead to save the GROUP BY a sort (100 -> 14 ms at 60k open tickets).
    return await sql.rows(
        "SELECT d.name AS department, o.n AS n FROM ("  # noqa: S608
        "SELECT +t.department AS department, COUNT(*) AS n FROM ticket t "
        f"WHERE {where.sql} AND t.status IN ({statuses}) GROUP BY 1"
        ") AS o JOIN department d ON d.id = o.department ORDER BY o.n DESC, d.name",
        *where.args,
    )


async def review_ratings(filters: DashboardFilters) -> list[dict[str, Any]]:
    """Online ratings per source and day: their sum and count, both periods."""
    start, end = _span(filters)
    where = Where().add("rv.published_at >= {}", start).add("rv.published_at < {}", end)
    where.add("rv.rating IS NOT NULL").add_if(filters.location_id, "s.location = {}")
    day = sql.day("rv.published_at")
    return await sql.rows(
        f"SELECT s.id AS source_id, s.name AS name, s.kind AS kind, {day} AS day, "  # noqa: S608
        "COUNT(*) AS n, SUM(rv.rating) AS total FROM online_review rv "
        f"JOIN review_source s ON s.id = rv.source WHERE {where.sql} "
        "GROUP BY 1, 2, 3, 4",
        *where.args,
    )


async def latest_improvements(filters: DashboardFilters, limit: int = 5) -> list[dict]:
    where = Where().add("i.status = 'published'")
    where.add("i.published_at >= {}", filters.period.start_at)
    where.add("i.published_at < {}", filters.period.end_at)
    where.add_scope("i", filters.location_id, filters.department_id)
    return await sql.rows(
        "SELECT i.id AS id, i.title AS title, i.change_date AS change_date, "  # noqa: S608
        "i.published_at AS published_at, d.name AS department FROM improvement i "
        f"JOIN department d ON d.id = i.department WHERE {where.sql} "
        "ORDER BY i.published_at DESC, i.id DESC LIMIT {}",
        *where.args,
        limit,
    )
