"""The dashboard's aggregates. Each query scans the period and the one before it once and
returns grouped counts (per day, per source, per score...), never rows of feedback, so memory
stays flat however large the tables grow; the metric math is feedback.metrics.

The SQL is assembled from constant fragments (feedback.services.aggregate_sql); every value is
a bound parameter, which is why the S608 warnings are silenced line by line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from feedback.services import aggregate_sql as sql
from feedback.services.aggregate_sql import Where
from feedback.services.dashboard.period import DashboardFilters, Period
from feedback.services.overview import OPEN_STATUSES
from surveys.definition import parse_definition
from surveys.tables import SurveyVersion

NEGATIVE = ("negative", "mixed")
SENTIMENT_ORDER = ("positive", "neutral", "mixed", "negative")


def _span(filters: DashboardFilters) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the previous period to the end of this one."""
    return filters.period.previous.start_at, filters.period.end_at


def feedback_where(filters: DashboardFilters, alias: str = "f", *, both: bool = True) -> Where:
    start, end = _span(filters) if both else (filters.period.start_at, filters.period.end_at)
    where = (
        Where().add(f"{alias}.received_at >= {{}}", start).add(f"{alias}.received_at < {{}}", end)
    )
    where.add_if(filters.location_id, f"{alias}.location = {{}}")
    where.add_if(filters.department_id, f"{alias}.department = {{}}")
    where.add_if(filters.source, f"{alias}.source = {{}}")
    return where


async def feedback_by_day(filters: DashboardFilters) -> list[dict[str, Any]]:
    """Feedback per day, source and sentiment, both periods."""
    where = feedback_where(filters)
    day = sql.day("f.received_at")
    return await sql.rows(
        f"SELECT {day} AS day, f.source AS source, f.sentiment AS sentiment, COUNT(*) AS n "  # noqa: S608
        f"FROM feedback_item f WHERE {where.sql} GROUP BY 1, 2, 3",
        *where.args,
    )


async def negative_themes(filters: DashboardFilters) -> list[dict[str, Any]]:
    """Negative theme mentions per department and theme, with a current-period flag."""
    where = feedback_where(filters)
    source, theme, sentiment = sql.themes_join("f")
    cur = "CASE WHEN f.received_at >= {} THEN 1 ELSE 0 END"
    return await sql.rows(
        f"SELECT {cur} AS cur, f.department AS department, {theme} AS theme, COUNT(*) AS n "  # noqa: S608
        f"FROM feedback_item f, {source} WHERE {where.sql} AND {sentiment} = 'negative' "
        "GROUP BY 1, 2, 3",
        filters.period.start_at,
        *where.args,
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


def _response_where(filters: DashboardFilters, period: Period | None = None) -> Where:
    start, end = (period.start_at, period.end_at) if period else _span(filters)
    where = Where().add("r.submitted_at >= {}", start).add("r.submitted_at < {}", end)
    where.add_if(filters.location_id, "r.location = {}")
    where.add_if(filters.department_id, "r.department = {}")
    return where


def _in(keys: set[str]) -> tuple[str, list[str]]:
    ordered = sorted(keys) or [""]
    return ", ".join("{}" for _ in ordered), ordered


async def scores_by_day(filters: DashboardFilters, keys: set[str]) -> list[dict[str, Any]]:
    """0-10 answers per day, question and score, both periods."""
    if not keys:
        return []
    where = _response_where(filters)
    marks, values = _in(keys)
    day = sql.day("r.submitted_at")
    return await sql.rows(
        f"SELECT {day} AS day, a.question_key AS question_key, a.numeric_value AS score, "  # noqa: S608
        "COUNT(*) AS n FROM survey_answer a JOIN survey_response r ON r.id = a.response "
        f"WHERE {where.sql} AND a.question_key IN ({marks}) AND a.numeric_value IS NOT NULL "
        "GROUP BY 1, 2, 3",
        *where.args,
        *values,
    )


async def invitations_by_day(filters: DashboardFilters) -> list[dict[str, Any]]:
    start, end = _span(filters)
    where = Where().add("i.sent_at >= {}", start).add("i.sent_at < {}", end)
    join = ""
    if filters.location_id or filters.department_id:
        join = "JOIN visit v ON v.id = i.visit "
        where.add_if(filters.location_id, "v.location = {}")
        where.add_if(filters.department_id, "v.department = {}")
    day = sql.day("i.sent_at")
    return await sql.rows(
        f"SELECT {day} AS day, COUNT(*) AS sent, "  # noqa: S608
        "SUM(CASE WHEN i.used_at IS NOT NULL THEN 1 ELSE 0 END) AS answered "
        f"FROM invitation i {join}WHERE {where.sql} GROUP BY 1",
        *where.args,
    )


RETURN_DAYS = 365


async def retention(filters: DashboardFilters, nps_keys: set[str]) -> list[dict[str, Any]]:
    """Patients who answered the recommend question, by promoter/passive/detractor, and how
    many of them came back (another imported visit within 12 months of the surveyed one)."""
    if not nps_keys:
        return []
    where = _response_where(filters)
    marks, values = _in(nps_keys)
    group = (
        "CASE WHEN a.numeric_value >= 9 THEN 'promoter' "
        "WHEN a.numeric_value <= 6 THEN 'detractor' ELSE 'passive' END"
    )
    cur = "CASE WHEN r.submitted_at >= {} THEN 1 ELSE 0 END"
    within = sql.days_after("v.visit_date", RETURN_DAYS)
    returned = (
        "EXISTS (SELECT 1 FROM visit v2 WHERE v2.patient = v.patient "  # noqa: S608
        f"AND v2.visit_date > v.visit_date AND v2.visit_date <= {within})"
    )
    return await sql.rows(
        f"SELECT {cur} AS cur, {group} AS grp, COUNT(DISTINCT v.patient) AS patients, "  # noqa: S608
        f"COUNT(DISTINCT CASE WHEN {returned} THEN v.patient END) AS returned "
        "FROM survey_response r JOIN survey_answer a ON a.response = r.id "
        "JOIN visit v ON v.id = r.visit "
        f"WHERE {where.sql} AND a.question_key IN ({marks}) AND a.numeric_value IS NOT NULL "
        "GROUP BY 1, 2",
        filters.period.start_at,
        *where.args,
        *values,
    )


def _ticket_where(filters: DashboardFilters) -> Where:
    where = Where()
    where.add_if(filters.location_id, "t.location = {}")
    where.add_if(filters.department_id, "t.department = {}")
    where.add_if(filters.source, "t.source = {}")
    return where


async def overdue_by_department(filters: DashboardFilters, now: dt.datetime) -> list[dict]:
    """Open tickets past their resolve-by time, now, per department (most first)."""
    where = _ticket_where(filters).add("t.resolve_due_at < {}", now)
    statuses = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    return await sql.rows(
        "SELECT d.name AS department, COUNT(*) AS n FROM ticket t "  # noqa: S608
        f"JOIN department d ON d.id = t.department WHERE {where.sql} "
        f"AND t.status IN ({statuses}) GROUP BY d.name ORDER BY COUNT(*) DESC, d.name",
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
    where.add_if(filters.location_id, "i.location = {}")
    where.add_if(filters.department_id, "i.department = {}")
    return await sql.rows(
        "SELECT i.id AS id, i.title AS title, i.change_date AS change_date, "  # noqa: S608
        "i.published_at AS published_at, d.name AS department FROM improvement i "
        f"JOIN department d ON d.id = i.department WHERE {where.sql} "
        "ORDER BY i.published_at DESC, i.id DESC LIMIT {}",
        *where.args,
        limit,
    )
