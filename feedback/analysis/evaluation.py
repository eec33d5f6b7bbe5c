"""Scoring the engine against labelled comments (JSONL) and the NHS FFT CSV."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from feedback.analysis.engine import analyze
from feedback.analysis.themes import THEMES

LABELS = ("positive", "negative", "neutral", "mixed")
IMPROVE_QUESTION = "What could we improve?"
PRAISE_QUESTION = "What was good about your care?"


@dataclass
class Tally:
    """Running counts; memory grows with labels and themes, not with the number of rows."""

    n: int = 0
    correct: int = 0
    binary_n: int = 0
    binary_correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    theme_tp: Counter[str] = field(default_factory=Counter)
    theme_fp: Counter[str] = field(default_factory=Counter)
    theme_fn: Counter[str] = field(default_factory=Counter)
    urgent_tp: int = 0
    urgent_fp: int = 0
    urgent_fn: int = 0

    def add(self, row: dict[str, Any]) -> None:
        result = analyze(str(row.get("text") or ""), row.get("question"))
        gold, predicted = row.get("sentiment"), result.sentiment
        if gold in LABELS:
            self.n += 1
            self.correct += gold == predicted
            self.confusion[(gold, predicted)] += 1
            if gold in ("positive", "negative"):
                self.binary_n += 1
                self.binary_correct += binary(predicted, result.polarity) == gold
        if "themes" in row:
            gold_themes = set(row.get("themes") or ())
            found = {t.theme for t in result.themes}
            for theme in found & gold_themes:
                self.theme_tp[theme] += 1
            for theme in found - gold_themes:
                self.theme_fp[theme] += 1
            for theme in gold_themes - found:
                self.theme_fn[theme] += 1
        if "urgent" in row:
            gold_urgent = bool(row["urgent"])
            self.urgent_tp += gold_urgent and result.urgent
            self.urgent_fp += (not gold_urgent) and result.urgent
            self.urgent_fn += gold_urgent and not result.urgent

    def report(self) -> dict[str, Any]:
        per_class = {}
        for label in LABELS:
            tp = self.confusion[(label, label)]
            predicted = sum(v for (_, p), v in self.confusion.items() if p == label)
            actual = sum(v for (g, _), v in self.confusion.items() if g == label)
            per_class[label] = {
                "precision": _ratio(tp, predicted),
                "recall": _ratio(tp, actual),
                "support": actual,
            }
        per_theme = {}
        for theme in THEMES:
            tp, fp, fn = self.theme_tp[theme], self.theme_fp[theme], self.theme_fn[theme]
            per_theme[theme] = {
                "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn),
                "f1": _f1(tp, fp, fn),
                "support": tp + fn,
            }
        tp, fp, fn = (sum(c.values()) for c in (self.theme_tp, self.theme_fp, self.theme_fn))
        return {
            "samples": self.n,
            "accuracy": _ratio(self.correct, self.n),
            "pos_neg_accuracy": _ratio(self.binary_correct, self.binary_n),
            "per_class": per_class,
            "theme_micro_f1": _f1(tp, fp, fn),
            "per_theme": per_theme,
            "urgent_recall": _ratio(self.urgent_tp, self.urgent_tp + self.urgent_fn),
            "urgent_precision": _ratio(self.urgent_tp, self.urgent_tp + self.urgent_fp),
        }


def binary(sentiment: str, polarity: float) -> str | None:
    """Positive/negative reading of a result: mixed and neutral fall back on polarity's sign."""
    if sentiment in ("positive", "negative"):
        return sentiment
    return "positive" if polarity > 0 else "negative" if polarity < 0 else None


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _f1(tp: int, fp: int, fn: int) -> float:
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0


def evaluate_jsonl(lines: Iterable[str]) -> dict[str, Any]:
    tally = Tally()
    for line in lines:
        if line.strip():
            tally.add(json.loads(line))
    return tally.report()


_NOTHING = re.compile(r"^\s*(?:nothing|none|no|n/a|can'?t think|cannot think|not really)\b", re.I)


_SUGGESTS = re.compile(r"\b(?:could|would|should|need|needs|more|better|improve\w*)\b", re.I)


def infer_questions(rows: list[dict[str, str]]) -> dict[str, str | None]:
    """Which NHS question label asked "what could be improved?", judged from the answers.

    The published file numbers the questions differently per trust, so the label alone does
    not say which was asked. The improvement question is answered "Nothing" often *and*
    draws suggestions (could, would, should, more, better); a question whose answers rarely
    suggest anything, or are rarely "Nothing", asked what was good. Only the answer text is
    used, never the criticality scores.
    """
    counts: Counter[str] = Counter()
    nothing: Counter[str] = Counter()
    suggests: Counter[str] = Counter()
    for row in rows:
        label = row.get("question") or ""
        text = row.get("feedback") or ""
        counts[label] += 1
        nothing[label] += bool(_NOTHING.match(text))
        suggests[label] += bool(_SUGGESTS.search(text))
    kinds: dict[str, str | None] = {}
    for label, total in counts.items():
        said_nothing, suggested = nothing[label] / total, suggests[label] / total
        if said_nothing >= 0.08 and suggested >= 0.12:
            kinds[label] = IMPROVE_QUESTION
        elif said_nothing < 0.03 or suggested < 0.1:
            kinds[label] = PRAISE_QUESTION
        else:
            kinds[label] = None
    return kinds


def nhs_rows(handle: TextIO) -> Iterator[tuple[str, str | None, str]]:
    """(comment, inferred question, gold label) for rows with a usable non-zero criticality."""
    rows = list(csv.DictReader(handle))
    questions = infer_questions(rows)
    for row in rows:
        try:
            criticality = int(row.get("criticality") or "")
        except ValueError:
            continue
        if criticality == 0 or not (row.get("feedback") or "").strip():
            continue
        gold = "negative" if criticality < 0 else "positive"
        yield row["feedback"], questions.get(row.get("question") or ""), gold


def evaluate_nhs(handle: TextIO, use_question: bool = True) -> dict[str, Any]:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for text, question, gold in nhs_rows(handle):
        result = analyze(text, question if use_question else None)
        totals[gold] += 1
        hits[gold] += binary(result.sentiment, result.polarity) == gold
    recall = {label: _ratio(hits[label], totals[label]) for label in ("positive", "negative")}
    return {
        "samples": sum(totals.values()),
        "balanced_pos_neg_accuracy": round((recall["positive"] + recall["negative"]) / 2, 4),
        "positive_recall": recall["positive"],
        "negative_recall": recall["negative"],
        "support": dict(totals),
    }
