"""Metric definitions, in one place, pure: NPS, top-box, CAHPS-style linear means, composites,
response rate. Every function takes counts (value -> number of answers) gathered by the
database, never rows, so memory stays flat whatever the volume."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Below this many answers a figure is shown as "not enough responses" instead of a number
# that would swing from one answer to the next.
MIN_SAMPLE = 30

# CAHPS-style linear mean: each answer is placed on a 0-100 scale, worst to best.
LINEAR_SCORES: dict[str, dict[str, float]] = {
    "frequency": {"never": 0.0, "sometimes": 100 / 3, "usually": 200 / 3, "always": 100.0},
    "definitely": {
        "definitely_no": 0.0,
        "probably_no": 100 / 3,
        "probably_yes": 200 / 3,
        "definitely_yes": 100.0,
    },
    "yes_no": {"no": 0.0, "yes": 100.0},
    "agreement": {
        "strongly_disagree": 0.0,
        "disagree": 25.0,
        "neutral": 50.0,
        "agree": 75.0,
        "strongly_agree": 100.0,
    },
}
TOP_BOX: dict[str, frozenset[str]] = {
    "frequency": frozenset({"always"}),
    "definitely": frozenset({"definitely_yes"}),
    "yes_no": frozenset({"yes"}),
    "agreement": frozenset({"strongly_agree"}),
    "rating": frozenset({"9", "10"}),
    "nps": frozenset({"9", "10"}),
}


@dataclass(frozen=True)
class Figure:
    """A value with its sample size; value is None when the sample is too small to show."""

    value: float | None
    n: int

    @property
    def enough(self) -> bool:
        return self.value is not None


def _figure(value: float, n: int, min_sample: int) -> Figure:
    return Figure(round(value, 1) if n >= min_sample and n > 0 else None, n)


def nps(counts: Mapping[int, int], min_sample: int = MIN_SAMPLE) -> Figure:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), from -100 to 100."""
    n = sum(counts.values())
    if n == 0:
        return Figure(None, 0)
    promoters = sum(count for score, count in counts.items() if score >= 9)
    detractors = sum(count for score, count in counts.items() if score <= 6)
    return _figure(100 * (promoters - detractors) / n, n, min_sample)


def top_box(question_type: str, counts: Mapping[str, int], min_sample: int = MIN_SAMPLE) -> Figure:
    """Share (%) of answers in the best category of the scale."""
    best = TOP_BOX.get(question_type)
    n = sum(counts.values())
    if best is None or n == 0:
        return Figure(None, n)
    return _figure(100 * sum(c for value, c in counts.items() if value in best) / n, n, min_sample)


def linear_mean(
    question_type: str, counts: Mapping[str, int], min_sample: int = MIN_SAMPLE
) -> Figure:
    """Mean answer on a 0-100 scale (0-10 ratings are multiplied by 10)."""
    if question_type in ("rating", "nps"):
        scores = {str(number): number * 10.0 for number in range(11)}
    else:
        scores = LINEAR_SCORES.get(question_type, {})
    scored = {value: count for value, count in counts.items() if value in scores}
    n = sum(scored.values())
    if n == 0:
        return Figure(None, 0)
    return _figure(sum(scores[value] * count for value, count in scored.items()) / n, n, min_sample)


def composite(items: Iterable[Figure]) -> Figure:
    """A composite is the mean of its items' linear means (each item weighs the same); it
    is shown only when every item has enough answers."""
    figures = list(items)
    if not figures or any(not figure.enough for figure in figures):
        return Figure(None, min((f.n for f in figures), default=0))
    return Figure(
        round(sum(f.value for f in figures) / len(figures), 1),  # type: ignore[misc]
        min(f.n for f in figures),
    )


def rate(part: int, whole: int, min_sample: int = MIN_SAMPLE) -> Figure:
    """A share in %, e.g. the response rate (responses / invitations sent)."""
    if whole == 0:
        return Figure(None, 0)
    return _figure(100 * part / whole, whole, min_sample)


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- comparisons, operational figures and disclosure control (dashboard, PDF, CSV) ---------

# Aggregates about 1-10 patients can single someone out once a report leaves the screen (a
# heat-map cell "billing x Maternity: 2" next to a quoted comment); such cells are withheld.
SMALL_CELL_MAX = 10
# Online reviews are few per source; a mean rating is shown from this many reviews.
REVIEW_MIN_SAMPLE = 10


@dataclass(frozen=True)
class Change:
    """A figure for the period, the same figure for the previous period, and the difference
    (None unless both are shown: a change from "not enough responses" means nothing)."""

    current: Figure
    previous: Figure

    @property
    def delta(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return round(self.current.value - self.previous.value, 1)


def suppressed(count: int) -> bool:
    """True for a count of 1 to SMALL_CELL_MAX patients (zero identifies nobody)."""
    return 1 <= count <= SMALL_CELL_MAX


def small_cell(count: int) -> int | None:
    """A count fit to publish, or None when it would single someone out."""
    return None if suppressed(count) else count


def median_of_counts(counts: Mapping[float, int]) -> float | None:
    """The median of a histogram (value -> how many), so a median over a million rows needs
    only the grouped counts from the database; the mean of the two middle values when even."""
    total = sum(n for n in counts.values() if n > 0)
    if total == 0:
        return None
    ordered = sorted((value, n) for value, n in counts.items() if n > 0)

    def nth(k: int) -> float:  # 0-based k-th value of the expanded list
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)

    if total % 2:
        return nth(total // 2)
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def mean_of_sums(total: float, n: int, min_sample: int = MIN_SAMPLE) -> Figure:
    """A mean from a database SUM and COUNT (an online star rating, say)."""
    if n == 0:
        return Figure(None, 0)
    return _figure(total / n, n, min_sample)


def sla_compliance(in_time: int, resolved: int, min_sample: int = 1) -> Figure:
    """Share (%) of tickets resolved by their resolve-by time, among those resolved."""
    return rate(in_time, resolved, min_sample)


def median_days(hours: Mapping[int, int], min_sample: int = 1) -> Figure:
    """Median in days, one decimal, from a histogram of whole hours."""
    n = sum(hours.values())
    value = median_of_counts({h + 0.5: count for h, count in hours.items()})
    if value is None or n < min_sample:
        return Figure(None, n)
    return Figure(round(value / 24, 1), n)
