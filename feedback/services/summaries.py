"""Daily summaries behind the executive figures: grouped counts per UTC day, built from the
feedback, survey and ticket tables, so that a dashboard over a quarter reads a few thousand
summary rows instead of half a million items.

How they stay right (docs/decisions.md, "Daily summaries"):
- Today is never summarised, and neither is yesterday until it has been over for SETTLE.
- Database triggers (migration 2026-11-29T05:21:32) write a `summary_stale` row in the same
  transaction as any change that reaches a day before today, whatever code makes it.
- Readers (`plan_days`) use a day's summary only if it is built and has no stale mark; every
  other day of the period is read live from the source tables. A stale mark therefore never
  shows an old figure: it only makes that day slower until the next rebuild.
- `build_pending` (the worker, every minute, or `feedback summaries`) rebuilds stale and
  missing days. A rebuild deletes exactly the marks its own snapshot saw (one SQLite write
  transaction; REPEATABLE READ on PostgreSQL), so a change committed meanwhile stays marked.
  On PostgreSQL one process at a time rebuilds (an advisory lock); the others skip.

The statements are built from constant fragments with every value bound (S608 silenced).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from feedback.services import aggregate_sql as sql
from feedback.tables import FeedbackItem

# A day is summarised once it has been over for this long: a transaction that wrote to it
# unmarked (as "today") has committed by then, even with the database's clock a little apart
# from the application's.
SETTLE = dt.timedelta(hours=1)
# Days rebuilt per transaction. On SQLite a rebuild holds the one writer: a day at the
# bench's density (2,700 items) takes about 0.1 s, a week would stall submissions for 0.8 s.
CHUNK_DAYS = 1

# PostgreSQL advisory lock held by the process rebuilding summaries ("SUMM").
REBUILD_LOCK = 0x5355_4D4D
# Rebuilding this many days at once refreshes the summary tables' statistics.
ANALYZE_AFTER_DAYS = 28

Ranges = tuple[tuple[dt.date, dt.date], ...]  # [first day, day after last)

# The groups of the 0-10 "would you recommend" scale, shared with the live query.
RECOMMEND_GROUP = (
    "CASE WHEN {score} >= 9 THEN 'promoter' WHEN {score} <= 6 THEN 'detractor' ELSE 'passive' END"
)
RETURN_DAYS = 365


def returned_within_year(visit: str) -> str:
    """1 if the patient of `visit` had another visit within RETURN_DAYS after it, else 0."""
    within = sql.days_after(f"{visit}.visit_date", RETURN_DAYS)
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM visit later WHERE later.patient = {visit}.patient "  # noqa: S608
        f"AND later.visit_date > {visit}.visit_date AND later.visit_date <= {within}) "
        "THEN 1 ELSE 0 END"
    )


@dataclass(frozen=True)
class DayPlan:
    """Which days of a span are read from the summaries and which live."""

    summarised: Ranges
    live: Ranges

    def summary_days(self, column: str) -> tuple[str, list[Any]]:
        return _within(column, self.summarised, lambda day: day)

    def live_days(self, column: str) -> tuple[str, list[Any]]:
        return _within(column, self.live, _midnight)

    def clip(self, first: dt.date, end: dt.date) -> DayPlan:
        """The same plan over [first, end) only."""

        def cut(ranges: Ranges) -> Ranges:
            return tuple(
                (max(a, first), min(b, end)) for a, b in ranges if max(a, first) < min(b, end)
            )

        return DayPlan(cut(self.summarised), cut(self.live))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _within(column: str, ranges: Ranges, value: Any) -> tuple[str, list[Any]]:
    if not ranges:
        return "1 = 0", []
    parts, args = [], []
    for first, end in ranges:
        parts.append(f"({column} >= {{}} AND {column} < {{}})")
        args.extend((value(first), value(end)))
    return "(" + " OR ".join(parts) + ")", args


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as [first, day after last) ranges."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + dt.timedelta(days=1))
        else:
            runs.append((day, day + dt.timedelta(days=1)))
    return runs


async def plan_days(first: dt.date, end: dt.date) -> DayPlan:
    """Split [first, end) into days whose summaries can be trusted and days to read live."""
    clean = {
        _as_date(row["day"])
        for row in await sql.rows(
            "SELECT d.day AS day FROM summary_day d WHERE d.day >= {} AND d.day < {} "
            "AND NOT EXISTS (SELECT 1 FROM summary_stale s WHERE s.day = d.day)",
            first,
            end,
        )
    }
    every = [first + dt.timedelta(days=i) for i in range((end - first).days)]
    return DayPlan(
        tuple(_runs(day for day in every if day in clean)),
        tuple(_runs(day for day in every if day not in clean)),
    )


def _build_statements() -> list[str]:
    """INSERT ... SELECT per summary table, for days in [{}, {}) given as two timestamps."""
    items_day = sql.day_value("f.received_at")
    theme_from, theme, theme_sentiment = sql.themes_join("f")
    response_day = sql.day_value("r.submitted_at")
    group = RECOMMEND_GROUP.format(score="a.numeric_value")
    return [
        "INSERT INTO summary_feedback (day, location, department, source, sentiment, n, "  # noqa: S608
        f"ticketed) SELECT {items_day}, f.location, f.department, f.source, f.sentiment, "
        "COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_feedback tf "
        "WHERE tf.feedback_item = f.id) THEN 1 ELSE 0 END) FROM feedback_item f "
        "WHERE f.received_at >= {} AND f.received_at < {} GROUP BY 1, 2, 3, 4, 5",
        "INSERT INTO summary_theme (day, location, department, source, theme, n) "  # noqa: S608
        f"SELECT {items_day}, f.location, f.department, f.source, {theme}, COUNT(*) "
        f"FROM feedback_item f, {theme_from} WHERE f.received_at >= {{}} "
        f"AND f.received_at < {{}} AND {theme_sentiment} = 'negative' AND {theme} IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5",
        "INSERT INTO summary_score (day, location, department, question_key, score, n) "  # noqa: S608
        f"SELECT {response_day}, r.location, r.department, a.question_key, a.numeric_value, "
        "COUNT(*) FROM survey_answer a JOIN survey_response r ON r.id = a.response "
        "WHERE r.submitted_at >= {} AND r.submitted_at < {} AND a.numeric_value IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5",
        "INSERT INTO summary_invitation (day, location, department, sent, answered) "  # noqa: S608
        f"SELECT {sql.day_value('i.sent_at')}, v.location, v.department, COUNT(*), "
        "SUM(CASE WHEN i.used_at IS NOT NULL THEN 1 ELSE 0 END) FROM invitation i "
        "JOIN visit v ON v.id = i.visit WHERE i.sent_at >= {} AND i.sent_at < {} "
        "GROUP BY 1, 2, 3",
        "INSERT INTO summary_recommend (day, location, department, question_key, patient, "  # noqa: S608
        f"grp, returned) SELECT {response_day}, r.location, r.department, a.question_key, "
        f"v.patient, {group}, {returned_within_year('v')} FROM survey_response r "
        "JOIN survey_answer a ON a.response = r.id JOIN visit v ON v.id = r.visit "
        "WHERE r.submitted_at >= {} AND r.submitted_at < {} AND a.numeric_value IS NOT NULL",
    ]


SUMMARY_TABLES = (
    "summary_feedback",
    "summary_theme",
    "summary_score",
    "summary_invitation",
    "summary_recommend",
)


async def rebuild(first: dt.date, end: dt.date) -> bool:
    """Rebuild the summaries of [first, end) in one transaction and clear the marks it saw.
    False if another process is rebuilding (PostgreSQL), which leaves the days to it."""
    db = FeedbackItem._meta.db
    async with db.transaction():
        if sql.postgres():
            # One snapshot for the whole rebuild: the marks it deletes are exactly those whose
            # changes its reads saw. (SQLite: one writer, so nothing commits in between.)
            await _write("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Every web and worker process runs this job; two rebuilding the same day would
            # only fail each other's serialisation checks.
            locked = await sql.rows("SELECT pg_try_advisory_xact_lock({}) AS locked", REBUILD_LOCK)
            if not locked[0]["locked"]:
                return False
        for table in (*SUMMARY_TABLES, "summary_day", "summary_stale"):
            await _write(f"DELETE FROM {table} WHERE day >= {{}} AND day < {{}}", first, end)  # noqa: S608
        for statement in _build_statements():
            await _write(statement, _midnight(first), _midnight(end))
        built = [first + dt.timedelta(days=i) for i in range((end - first).days)]
        marks = ", ".join("({})" for _ in built)
        await _write(f"INSERT INTO summary_day (day) VALUES {marks}", *built)  # noqa: S608
    return True


async def _write(statement: str, *args: Any) -> None:
    """A statement that is not a SELECT: on SQLite it goes to the writer (or the current
    transaction), like every other write."""
    await FeedbackItem.raw(statement, *args)


def last_day_to_build(now: dt.datetime) -> dt.date:
    return (now - SETTLE).astimezone(dt.UTC).date() - dt.timedelta(days=1)


async def days_to_build(now: dt.datetime) -> list[dt.date]:
    """Days old enough to summarise that are stale or were never built."""
    last = last_day_to_build(now)
    stale = await sql.rows("SELECT DISTINCT day FROM summary_stale WHERE day <= {}", last)
    days = {_as_date(row["day"]) for row in stale}
    built_rows = await sql.rows("SELECT day FROM summary_day WHERE day <= {}", last)
    built = {_as_date(row["day"]) for row in built_rows}
    first = min(built) if built else await _first_day_with_data()
    if first is not None:
        days |= {
            day
            for i in range((last - first).days + 1)
            if (day := first + dt.timedelta(days=i)) not in built
        }
    return sorted(day for day in days if day <= last)


async def _first_day_with_data() -> dt.date | None:
    found = await sql.rows(
        "SELECT MIN(first) AS first FROM ("
        "SELECT MIN(received_at) AS first FROM feedback_item "
        "UNION ALL SELECT MIN(submitted_at) FROM survey_response "
        # An invitation is sent after it is created (and created_at is indexed).
        "UNION ALL SELECT MIN(created_at) FROM invitation) AS firsts"
    )
    value = found[0]["first"] if found else None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date()
    return _as_date(value)


async def build_pending(now: dt.datetime | None = None) -> int:
    """Rebuild every stale or missing day that is old enough; returns how many days."""
    days = await days_to_build(now or dt.datetime.now(dt.UTC))
    done = 0
    for first, end in _runs(days):
        while first < end:
            chunk_end = min(end, first + dt.timedelta(days=CHUNK_DAYS))
            if not await rebuild(first, chunk_end):
                return done  # another process is rebuilding; it will do the rest
            done += (chunk_end - first).days
            first = chunk_end
    if len(days) >= ANALYZE_AFTER_DAYS:
        # A first build (or a large import) changes the tables' sizes by orders of magnitude:
        # without fresh statistics the planner takes a summary table for a few rows, and on
        # PostgreSQL a covering index is read alone only once VACUUM has marked the pages
        # all-visible.
        for table in SUMMARY_TABLES:
            await _write(f"VACUUM ANALYZE {table}" if sql.postgres() else f"ANALYZE {table}")
    return done
