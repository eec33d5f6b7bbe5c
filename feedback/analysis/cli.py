"""`feedback analyze` and `feedback evaluate` (registered in the top-level CLI group)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import click

from feedback.analysis.engine import analyze
from feedback.analysis.evaluation import LABELS, evaluate_jsonl, evaluate_nhs
from feedback.analysis.themes import THEMES


def analyze_lines(lines: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """One output JSON line per input line, in order; the error text when a line is bad.

    A generator, so a million-line file streams through in constant memory. A bad line still
    yields a line (with the id when it could be read) so outputs stay aligned with inputs.
    """
    for line in lines:
        record: Any = None
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("each line must be a JSON object")
            text = record.get("text")
            if not isinstance(text, str):
                raise ValueError('"text" must be a string')
            question = record.get("question")
            if question is not None and not isinstance(question, str):
                raise ValueError('"question" must be a string or null')
            raw_id = record.get("id")
            result = analyze(text, question).to_contract(None if raw_id is None else str(raw_id))
            yield json.dumps(result, ensure_ascii=False), None
        except ValueError as exc:  # JSONDecodeError is a ValueError
            raw_id = record.get("id") if isinstance(record, dict) else None
            message = f"invalid input line: {exc}"
            yield (
                json.dumps(
                    {"id": None if raw_id is None else str(raw_id), "error": message},
                    ensure_ascii=False,
                ),
                message,
            )


@click.command("analyze")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
def analyze_command(file: TextIO) -> None:
    """Analyze JSON Lines (text, optional question and id) from FILE or stdin ("-")."""
    failed = 0
    out = sys.stdout
    for number, (line, error) in enumerate(analyze_lines(file), start=1):
        out.write(line + "\n")
        if error:
            failed += 1
            click.echo(f"line {number}: {error}", err=True)
    out.flush()
    if failed:
        click.echo(f"{failed} line(s) could not be analyzed", err=True)
        raise SystemExit(1)


@click.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate_command(file: str, as_json: bool) -> None:
    """Score the analyzer against a labelled JSONL file, or the NHS FFT CSV (by extension)."""
    with open(file, encoding="utf-8", newline="") as handle:
        report = evaluate_nhs(handle) if file.endswith(".csv") else evaluate_jsonl(handle)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    elif file.endswith(".csv"):
        click.echo(_nhs_text(report))
    else:
        click.echo(_jsonl_text(report))


def _nhs_text(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"samples (criticality != 0): {report['samples']}",
            f"balanced positive/negative accuracy: {report['balanced_pos_neg_accuracy']:.3f}",
            f"  positive recall: {report['positive_recall']:.3f}  "
            f"negative recall: {report['negative_recall']:.3f}",
        ]
    )


def _jsonl_text(report: dict[str, Any]) -> str:
    lines = [
        f"samples: {report['samples']}",
        f"4-class sentiment accuracy: {report['accuracy']:.3f}",
        f"positive/negative accuracy: {report['pos_neg_accuracy']:.3f}",
        "per class:            precision  recall  support",
    ]
    for label in LABELS:
        c = report["per_class"][label]
        lines.append(f"  {label:<18} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['support']:>8}")
    lines.append(f"theme micro-F1: {report['theme_micro_f1']:.3f}")
    lines.append("per theme:            precision  recall      f1  support")
    for theme in THEMES:
        t = report["per_theme"][theme]
        lines.append(
            f"  {theme:<18} {t['precision']:>9.3f} {t['recall']:>7.3f} "
            f"{t['f1']:>7.3f} {t['support']:>8}"
        )
    lines.append(
        f"urgent recall: {report['urgent_recall']:.3f}  precision: {report['urgent_precision']:.3f}"
    )
    return "\n".join(lines)
