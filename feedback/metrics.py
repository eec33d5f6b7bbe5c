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
