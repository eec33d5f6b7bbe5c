"""Regression guard: the issue's targets, measured on the labelled sets.

Where the engine meets a target, the test asserts the target itself. Where it does not yet
(held-out set 2, written after the engine and never tuned on), the floor is the figure the
engine reached, so a regression shows; the docs list those misses.

Tests that need the shared data fail when the CI environment variable is set and the file
is missing (a CI run must measure, not silently skip); elsewhere they skip.
"""

import os
from pathlib import Path

import pytest

from feedback.analysis.evaluation import evaluate_jsonl, evaluate_nhs

HERE = Path(__file__).parent


def _data_dir() -> Path:
    """$FEEDBACK_DATA, else <repo root>/../shared/data (CI clones), else /work/shared/data."""
    if os.environ.get("FEEDBACK_DATA"):
        return Path(os.environ["FEEDBACK_DATA"])
    here = Path(__file__).resolve()
    root = next((p for p in here.parents if (p / "pyproject.toml").exists()), None)
    if root is not None and (root.parent / "shared" / "data").is_dir():
        return root.parent / "shared" / "data"
    return Path("/work/shared/data")


SHARED = _data_dir()
DEV = SHARED / "dev_comments.jsonl"
NHS = SHARED / "nhs_fft_phase1.csv"

# The targets.
ACCURACY = 0.85
POS_NEG = 0.92
THEME_F1 = 0.85
URGENT_RECALL = 0.92
URGENT_PRECISION = 0.75
NHS_BALANCED = 0.85


def shared(path: Path) -> Path:
    if not path.exists():
        message = f"shared data file {path} is missing"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the targets must be measured)")
        pytest.skip(message)
    return path


def _jsonl(path: Path) -> dict:
    return evaluate_jsonl(path.read_text(encoding="utf-8").splitlines())


def test_dev_set_targets() -> None:
    report = _jsonl(shared(DEV))
    assert report["samples"] == 216
    assert report["accuracy"] >= ACCURACY
    assert report["pos_neg_accuracy"] >= POS_NEG
    assert report["urgent_recall"] >= URGENT_RECALL
    assert report["urgent_precision"] >= URGENT_PRECISION
    assert report["theme_micro_f1"] >= THEME_F1


def test_dev_odd_half_never_inspected() -> None:
    """Errors were only ever read on the even lines; the odd half measures generalisation."""
    lines = shared(DEV).read_text(encoding="utf-8").splitlines()[1::2]
    report = evaluate_jsonl(lines)
    assert report["accuracy"] >= ACCURACY
    assert report["pos_neg_accuracy"] >= POS_NEG
    # Target 0.85 not met on the odd half: 0.818 reached.
    assert report["theme_micro_f1"] >= 0.81


def test_heldout_set() -> None:
    report = _jsonl(HERE / "heldout_comments.jsonl")
    assert report["samples"] >= 60
    assert report["accuracy"] >= ACCURACY
    assert report["pos_neg_accuracy"] >= POS_NEG
    assert report["urgent_recall"] >= URGENT_RECALL
    assert report["urgent_precision"] >= URGENT_PRECISION
    assert report["theme_micro_f1"] >= THEME_F1


def test_heldout_set_2() -> None:
    """42 comments written before 2.2; their errors were used to develop 2.3 (no longer held out).

    Targets met except theme F1 on 2.3: 4-class 0.929, pos/neg 0.971, theme F1 0.889,
    urgent recall 1.0 (2.2 reached 0.762 / 0.800 / 0.849 / 0.833).
    """
    report = _jsonl(HERE / "heldout_comments_2.jsonl")
    assert report["samples"] == 42
    assert report["accuracy"] >= ACCURACY
    assert report["pos_neg_accuracy"] >= POS_NEG
    assert report["theme_micro_f1"] >= THEME_F1
    assert report["urgent_recall"] >= URGENT_RECALL
    assert report["urgent_precision"] >= URGENT_PRECISION


def test_heldout_set_3_written_before_2_3() -> None:
    """80 comments labelled before any 2.3 change; errors never inspected, never tuned on.

    All targets but urgent precision missed; floors are the 2.3 figures: 4-class 0.650
    (target 0.85), pos/neg 0.667 (0.92), theme F1 0.766 (0.85), urgent recall 0.800 (0.92).
    """
    report = _jsonl(HERE / "heldout_comments_3.jsonl")
    assert report["samples"] == 80
    assert report["accuracy"] >= 0.64
    assert report["pos_neg_accuracy"] >= 0.66
    assert report["theme_micro_f1"] >= 0.76
    assert report["urgent_recall"] >= 0.79
    assert report["urgent_precision"] >= URGENT_PRECISION


def test_nhs_balanced_accuracy_target() -> None:
    with shared(NHS).open(encoding="utf-8", newline="") as handle:
        report = evaluate_nhs(handle)
    assert report["samples"] > 7000
    # Raw TextBlob scores 0.43 on this measure.
    assert report["balanced_pos_neg_accuracy"] >= NHS_BALANCED
