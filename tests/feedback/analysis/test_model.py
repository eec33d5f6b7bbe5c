"""The learned layer: the shipped weights load, training is reproducible, explanations name
the model's terms, and the model never removes a rule's urgent flag."""

import json
from pathlib import Path

from feedback.analysis import analyze
from feedback.analysis.model import LABELS, STACK, weights
from feedback.analysis.training import example, serialise, train_all, weights_hash

HERE = Path(__file__).parent
WEIGHTS_FILE = HERE.parents[2] / "feedback" / "analysis" / "model_weights.py"


def test_shipped_weights_load_and_are_small() -> None:
    model = weights()
    assert len(model.lexical) > 1000
    assert len(model.stack) == len(LABELS)
    assert all(len(row) == len(STACK) for row in model.stack)
    assert model.urgent and 0.5 <= model.urgent_threshold <= 1.0
    assert WEIGHTS_FILE.stat().st_size < 2_000_000
    assert all(len(line) <= 100 for line in WEIGHTS_FILE.read_text().splitlines())


def _sample() -> list:
    rows = [json.loads(line) for line in (HERE / "heldout_comments.jsonl").read_text().splitlines()]
    return [
        example(r["text"], None, r["sentiment"], r["themes"], r["urgent"], 4.0, "h1")
        for r in rows[:40]
    ]


def test_training_is_reproducible() -> None:
    sample = _sample()
    options = {"epochs": 3, "stack_epochs": 5, "theme_epochs": 2, "inner_folds": 2}
    first = serialise(*train_all(sample, seed=7, **options)[:3], 0.7, 0.1)
    again = serialise(*train_all(sample, seed=7, **options)[:3], 0.7, 0.1)
    other = serialise(*train_all(sample, seed=8, **options)[:3], 0.7, 0.1)
    assert weights_hash(first) == weights_hash(again)
    assert weights_hash(first) != weights_hash(other)
    json.loads(first)


def test_explanation_names_the_model_terms() -> None:
    result = analyze("No one ever called me back and the receptionist was rude.")
    assert result.sentiment == "negative"
    line = next(line for line in result.explanation if line.startswith("model: "))
    assert "rude" in line or "no one" in line or "called" in line


def test_model_never_removes_a_rule_urgent_flag() -> None:
    result = analyze("The nurse gave me the wrong medication, but she was lovely about it.")
    assert result.urgent
    assert "medication_error" in result.urgent_reasons
    assert result.sentiment in ("negative", "mixed")


def test_rule_decisive_cases_kept() -> None:
    assert analyze("Nothing", "What could we improve?").sentiment == "positive"
    assert analyze("N/A").sentiment == "neutral"
    assert analyze("Nothing, it was all excellent.", "What could we improve?").sentiment == (
        "positive"
    )
