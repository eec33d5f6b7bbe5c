"""The executive dashboard's figures, built from the grouped counts of queries.py with the
metric definitions of feedback.metrics. Used as is by the page, the PDF and the CSV."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from feedback.analysis import THEMES
from feedback.auth.roles import CurrentStaff
from feedback.metrics import (
    REVIEW_MIN_SAMPLE,
    Change,
    Figure,
    mean_of_sums,
    nps,
    rate,
    small_cell,
    top_box,
)
from feedback.services.dashboard import queries
from feedback.services.dashboard.period import DashboardFilters, Period
from feedback.services.loop_metrics import LoopFigures, LoopScope, loop_figures
from surveys.tables import Department

Points = list[tuple[str, float | None]]


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    change: Change
    unit: str = ""  # "%", " days", " ★"
    # None: a change is neither good nor bad (more feedback is not better care).
    higher_is_better: bool | None = True
    sample: str = "responses"  # what n counts, said next to it

    @property
    def direction(self) -> str:
        """Which way the figure moved: better, worse, same or changed (neither good nor bad);
        empty when the two periods cannot be compared."""
        delta = self.change.delta
        if delta is None:
            return ""
        if delta == 0:
            return "same"
        if self.higher_is_better is None:
            return "changed"
        return "better" if (delta > 0) == self.higher_is_better else "worse"

    @property
    def delta_unit(self) -> str:
        """Shares and NPS move in points: a rise from 40% to 45% is 5 points, not 5%."""
        return " pts" if self.unit == "%" or self.key == "nps" else self.unit


@dataclass(frozen=True)
class RatingLine:
    name: str
    kind: str
    change: Change
    points: Points


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilters
    departments: dict[int, str]
    kpis: list[Kpi]
    nps_trend: Points
    top_box_trend: Points
    response_rate_trend: Points
    sentiment_trend: dict[str, Points]
    volume_by_source: list[tuple[str, int, int]]  # source, current, previous
    heat_rows: list[str]
    heat_columns: list[str]
    heat_values: dict[tuple[str, str], float | None]
    top_themes: list[tuple[str, int, int]]  # theme, current, previous
    ratings: list[RatingLine]
    retention: dict[str, Change]
    loop: LoopFigures
    loop_previous: LoopFigures
    improvements: list[dict]
    overdue: list[tuple[str, int]]
    ratings_apply: bool = True
    survey_applies: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.filters.period

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


def theme_label(theme: str) -> str:
    return theme.replace("_", " ").capitalize()


async def dashboard_for(
    viewer: CurrentStaff, filters: DashboardFilters, now: dt.datetime | None = None
) -> Dashboard:
    filters = filters.scoped(viewer)
    period, previous = filters.period, filters.period.previous
    now = now or dt.datetime.now(dt.UTC)
    keys = await queries.question_keys()
    nps_keys, rating_keys = keys.get("nps", set()), keys.get("rating", set())
    scope = LoopScope(filters.location_id, filters.department_id, filters.source)
    survey_applies = filters.source in (None, "survey")
    ratings_apply = filters.source in (None, "review") and filters.department_id is None
    plan = await queries.day_plan(filters)
    (
        feedback_days,
        themes,
        scores,
        invitations,
        kept,
        reviews,
        changes,
        overdue,
        loop,
        loop_previous,
        departments,
    ) = await asyncio.gather(
        queries.feedback_by_day(filters, plan),
        queries.negative_themes(filters, plan),
        queries.scores_by_day(filters, nps_keys | rating_keys, plan) if survey_applies else _none(),
        queries.invitations_by_day(filters, plan) if survey_applies else _none(),
        queries.retention(filters, nps_keys, plan) if survey_applies else _none(),
        queries.review_ratings(filters) if ratings_apply else _none(),
        queries.latest_improvements(filters),
        queries.overdue_by_department(filters, now),
        loop_figures(viewer, period.start_at, period.end_at, scope, plan),
        loop_figures(viewer, previous.start_at, previous.end_at, scope, plan),
        Department.select(Department.id, Department.name).order_by(Department.name),
    )
    buckets = period.buckets()
    labels = [label for label, _ in buckets]

    # Survey scores: per bucket for the trend, per period for the headline.
    nps_counts = _by_bucket(period, len(buckets))
    box_counts = _by_bucket(period, len(buckets))
    for row in scores:
        target = nps_counts if row["question_key"] in nps_keys else box_counts
        score = int(row["score"])
        bucket = _slot(period, row["day"])
        if row["question_key"] in nps_keys:
            target[bucket][score] = target[bucket].get(score, 0) + int(row["n"])
        else:
            target[bucket][str(score)] = target[bucket].get(str(score), 0) + int(row["n"])

    def total(counts: dict, keys: Sequence) -> dict:
        merged: dict = defaultdict(int)
        for key in keys:
            for value, n in counts[key].items():
                merged[value] += n
        return merged

    current_keys, previous_key = list(range(len(buckets))), ["previous"]
    nps_change = Change(nps(total(nps_counts, current_keys)), nps(total(nps_counts, previous_key)))
    box_change = Change(
        top_box("rating", total(box_counts, current_keys)),
        top_box("rating", total(box_counts, previous_key)),
    )

    sent = _by_bucket(period, len(buckets))
    for row in invitations:
        slot = sent[_slot(period, row["day"])]
        slot["sent"] = slot.get("sent", 0) + int(row["sent"])
        slot["answered"] = slot.get("answered", 0) + int(row["answered"] or 0)

    def response_rate(keys: Sequence) -> Figure:
        merged = total(sent, keys)
        return rate(merged.get("answered", 0), merged.get("sent", 0))

    # Feedback volume and sentiment.
    volume = _by_bucket(period, len(buckets))
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in feedback_days:
        bucket = _slot(period, row["day"])
        n = int(row["n"])
        volume[bucket][row["sentiment"]] = volume[bucket].get(row["sentiment"], 0) + n
        by_source[row["source"]][0 if bucket == "previous" else 1] += n
    volume_now = sum(total(volume, current_keys).values())
    volume_before = sum(total(volume, previous_key).values())
    negative_now = sum(total(volume, current_keys).get(s, 0) for s in queries.NEGATIVE)
    negative_before = sum(total(volume, previous_key).get(s, 0) for s in queries.NEGATIVE)
    sentiment_trend = {
        sentiment: [
            (label, rate(volume[i].get(sentiment, 0), sum(volume[i].values())).value)
            for i, label in enumerate(labels)
        ]
        for sentiment in ("positive", "negative")
    }

    # Themes x departments (negative mentions), cells of 1-10 withheld.
    names = {row["id"]: row["name"] for row in departments}
    per_cell: dict[tuple[str, str], int] = defaultdict(int)
    theme_totals: dict[str, list[int]] = {theme: [0, 0] for theme in THEMES}
    for row in themes:
        theme = row["theme"]
        if theme not in theme_totals:
            continue
        theme_totals[theme][1 if row["cur"] else 0] += int(row["n"])
        if row["cur"] and row["department"] in names:
            per_cell[(theme_label(theme), names[row["department"]])] += int(row["n"])
    columns = sorted({column for _, column in per_cell})
    top_themes = sorted(
        ((theme, now_n, before) for theme, (before, now_n) in theme_totals.items() if now_n),
        key=lambda item: (-item[1], item[0]),
    )
    rows = [theme_label(theme) for theme, _, _ in top_themes]
    heat_values = {
        key: None if (value := small_cell(n)) is None else float(value)
        for key, n in per_cell.items()
    }

    # Online ratings per source.
    ratings: dict[int, dict] = {}
    for row in reviews:
        line = ratings.setdefault(
            row["source_id"],
            {"name": row["name"], "kind": row["kind"], "buckets": _by_bucket(period, len(buckets))},
        )
        slot = line["buckets"][_slot(period, row["day"])]
        slot["n"] = slot.get("n", 0) + int(row["n"])
        slot["total"] = slot.get("total", 0.0) + float(row["total"] or 0)
    rating_lines = []
    for line in sorted(ratings.values(), key=lambda item: item["name"]):
        b = line["buckets"]

        def mean(keys: Sequence, b: dict = b) -> Figure:
            merged = total(b, keys)
            return mean_of_sums(merged.get("total", 0.0), merged.get("n", 0), REVIEW_MIN_SAMPLE)

        rating_lines.append(
            RatingLine(
                line["name"],
                line["kind"],
                Change(mean(current_keys), mean(previous_key)),
                [(label, mean([i]).value) for i, label in enumerate(labels)],
            )
        )

    # Retention: promoters vs detractors who came back within 12 months.
    kept_by: dict[tuple[bool, str], tuple[int, int]] = {}
    for row in kept:
        kept_by[(bool(row["cur"]), row["grp"])] = (int(row["returned"]), int(row["patients"]))
    retention = {
        group: Change(
            rate(*kept_by.get((True, group), (0, 0))),
            rate(*kept_by.get((False, group), (0, 0))),
        )
        for group in ("promoter", "passive", "detractor")
    }

    kpis = [
        Kpi("nps", "Net Promoter Score", nps_change),
        Kpi("top_box", "Top-box overall rating (9-10)", box_change, "%"),
        Kpi(
            "response_rate",
            "Response rate",
            Change(response_rate(current_keys), response_rate(previous_key)),
            "%",
            sample="invitations",
        ),
        Kpi(
            "feedback",
            "Feedback received",
            Change(Figure(volume_now, volume_now), Figure(volume_before, volume_before)),
            higher_is_better=None,
            sample="items",
        ),
        Kpi(
            "negative_share",
            "Negative or mixed feedback",
            Change(rate(negative_now, volume_now), rate(negative_before, volume_before)),
            "%",
            higher_is_better=False,
            sample="items",
        ),
        Kpi(
            "sla",
            "Tickets resolved within SLA",
            Change(loop.resolved_within_sla, loop_previous.resolved_within_sla),
            "%",
            sample="tickets resolved",
        ),
        Kpi(
            "resolve_days",
            "Median time to resolve",
            Change(loop.median_days_to_resolve, loop_previous.median_days_to_resolve),
            " days",
            higher_is_better=False,
            sample="tickets resolved",
        ),
        Kpi(
            "ticketed",
            "Negative feedback ticketed",
            Change(loop.negative_ticketed, loop_previous.negative_ticketed),
            "%",
            sample="negative items",
        ),
        Kpi(
            "told",
            "Contributing patients told",
            Change(loop.patients_told, loop_previous.patients_told),
            "%",
            sample="patients",
        ),
        Kpi(
            "to_change",
            "Median days, feedback to change",
            Change(
                Figure(loop.median_days_to_change, loop.changed_feedback),
                Figure(loop_previous.median_days_to_change, loop_previous.changed_feedback),
            ),
            " days",
            higher_is_better=False,
            sample="items changed",
        ),
    ]
    notes = []
    if not survey_applies:
        notes.append("Survey scores are not shown when another source is chosen.")
    if not ratings_apply:
        notes.append("Online ratings belong to locations, so they are not shown per department.")
    return Dashboard(
        filters=filters,
        departments=names,
        kpis=kpis,
        nps_trend=[(label, nps(nps_counts[i]).value) for i, label in enumerate(labels)],
        top_box_trend=[
            (label, top_box("rating", box_counts[i]).value) for i, label in enumerate(labels)
        ],
        response_rate_trend=[(label, response_rate([i]).value) for i, label in enumerate(labels)],
        sentiment_trend=sentiment_trend,
        volume_by_source=sorted(
            ((source, now_n, before) for source, (before, now_n) in by_source.items()),
            key=lambda item: (-item[1], item[0]),  # ties in a stable order
        ),
        heat_rows=rows,
        heat_columns=columns,
        heat_values=heat_values,
        top_themes=top_themes,
        ratings=rating_lines,
        retention=retention,
        loop=loop,
        loop_previous=loop_previous,
        improvements=list(changes),
        # Counts of tickets, not of patients: shown in full, however small.
        overdue=[(row["department"], int(row["n"])) for row in overdue],
        ratings_apply=ratings_apply,
        survey_applies=survey_applies,
        notes=notes,
    )


async def _none() -> list:
    return []


def _by_bucket(period: Period, count: int) -> dict:
    """One counter per trend bucket, plus "previous" for the whole comparison period."""
    return {**{i: {} for i in range(count)}, "previous": {}}


def _slot(period: Period, day: str | dt.date) -> int | str:
    bucket = period.bucket_of(day)
    return "previous" if bucket is None else bucket
