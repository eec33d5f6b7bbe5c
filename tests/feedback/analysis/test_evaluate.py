"""Regression guard: the issue's targets, measured on the labelled sets.

Where the engine meets a target, the test asserts the target itself. Where it does not yet,
the floor is the figure the engine reached, so a regression shows; the docs list those misses.

hybrid-3.5 learns from the dev set, held-out 1-7 and the NHS file (bench/train_sentiment.py),
so those figures are training-set figures now; the honest measures are the cross-validation
figures in docs/analysis.md and held-out 8, written by an author who never saw the engine,
which nothing was trained or tuned on.

Tests that need the shared data fail when the CI environment variable is set and the file
is missing (a CI run must measure, not silently skip); elsewhere they skip.
"""

import os
from pathlib import Path

from feedback.analysis.evaluation import evaluate_jsonl, evaluate_nhs
from tests.conftest import unavailable

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
        unavailable(f"shared data file {path} is missing", "CI must measure the targets")
    return path


def _jsonl(path: Path) -> dict:
    return evaluate_jsonl(path.read_text(encoding="utf-8").splitlines())


def _meets(
    report: dict,
    *,
    samples: int,
    accuracy: float,
    pos_neg: float,
    theme_f1: float,
    urgent_recall: float,
    urgent_precision: float,
) -> None:
    assert report["samples"] == samples
    assert report["accuracy"] >= accuracy
    assert report["pos_neg_accuracy"] >= pos_neg
    assert report["theme_micro_f1"] >= theme_f1
    assert report["urgent_recall"] >= urgent_recall
    assert report["urgent_precision"] >= urgent_precision


def test_dev_set_targets() -> None:
    _meets(
        _jsonl(shared(DEV)),
        samples=216,
        accuracy=ACCURACY,
        pos_neg=POS_NEG,
        theme_f1=THEME_F1,
        urgent_recall=URGENT_RECALL,
        urgent_precision=URGENT_PRECISION,
    )


def test_dev_odd_half_never_inspected() -> None:
    """Errors were only ever read on the even lines; the odd half measures generalisation."""
    lines = shared(DEV).read_text(encoding="utf-8").splitlines()[1::2]
    report = evaluate_jsonl(lines)
    assert report["accuracy"] >= ACCURACY
    assert report["pos_neg_accuracy"] >= POS_NEG
    # Target 0.85 not met on the odd half: 0.816 reached (themes are still rule-only).
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
    _meets(
        _jsonl(HERE / "heldout_comments_2.jsonl"),
        samples=42,
        accuracy=ACCURACY,
        pos_neg=POS_NEG,
        theme_f1=THEME_F1,
        urgent_recall=URGENT_RECALL,
        urgent_precision=URGENT_PRECISION,
    )


def test_heldout_set_3_written_before_2_3() -> None:
    """80 comments labelled before any 2.3 change; training data for hybrid-3.0.

    hybrid-3.0 (trained on them): 4-class 0.825, pos/neg 0.955, theme F1 0.766, urgent
    recall 1.0. In 5-fold cross-validation (not trained on the fold): 0.775 / 0.879 / 0.766
    / 0.867. Theme F1 (rule-only) stays below target.
    """
    _meets(
        _jsonl(HERE / "heldout_comments_3.jsonl"),
        samples=80,
        accuracy=0.82,
        pos_neg=POS_NEG,
        theme_f1=0.76,
        urgent_recall=URGENT_RECALL,
        urgent_precision=URGENT_PRECISION,
    )


def test_heldout_set_4_development_set_for_3_1() -> None:
    """80 comments written before hybrid-3.0; never trained on. Its errors were read while
    building hybrid-3.1 (urgent concept lexicons, theme cues), so it is a development set now.

    hybrid-3.0: 0.762 / 0.902 / 0.759, urgent recall 0.462. hybrid-3.1: 4-class 0.838,
    pos/neg 0.967, theme F1 0.861, urgent recall 1.0, precision 1.0.
    """
    _meets(
        _jsonl(HERE / "heldout_comments_4.jsonl"),
        samples=80,
        accuracy=0.83,
        pos_neg=POS_NEG,
        theme_f1=THEME_F1,
        urgent_recall=URGENT_RECALL,
        urgent_precision=URGENT_PRECISION,
    )


def test_heldout_set_5_development_set_for_3_2() -> None:
    """101 comments written before any 3.1 change; never trained on. hybrid-3.0 scored 4-class
    0.772, pos/neg 0.939, theme F1 0.661, urgent recall 0.136 (3 of 22), precision 1.0;
    hybrid-3.1: 0.822, 0.951, 0.742, 0.955, 0.955. Its theme errors were read while writing
    the 3.2 theme cues (after held-out 6 was written), so it is a development set now:
    hybrid-3.2 theme F1 0.797.
    """
    _meets(
        _jsonl(HERE / "heldout_comments_5.jsonl"),
        samples=101,
        accuracy=0.82,
        pos_neg=POS_NEG,
        theme_f1=0.79,
        urgent_recall=URGENT_RECALL,
        urgent_precision=URGENT_PRECISION,
    )


def test_heldout_set_6_development_set_for_3_3() -> None:
    """100 comments written by a second author who saw neither the engine's rules nor any
    held-out set or error. As the final measure (only aggregates read), hybrid-3.1 and 3.2
    scored 4-class 0.79, pos/neg 0.893, theme F1 0.746, urgent recall 0.70 (14 of 20),
    precision 0.737. Its errors were read for hybrid-3.3 (after held-out 7 was written) and
    it is training data since, so these figures are training-set figures now.
    """
    _meets(
        _jsonl(HERE / "heldout_comments_6.jsonl"),
        samples=100,
        accuracy=0.85,
        pos_neg=0.96,
        theme_f1=0.81,
        urgent_recall=URGENT_RECALL,
        urgent_precision=URGENT_PRECISION,
    )


def test_heldout_set_7_development_set_for_3_5() -> None:
    """100 comments by a third independent author, urgent events told indirectly. As the
    final measure (aggregates only): hybrid-3.2 4-class 0.71, pos/neg 0.867, theme F1 0.654,
    urgent recall 0.45, precision 0.818; hybrid-3.3 0.72, 0.893, 0.654, 0.70, 0.875. Its
    errors were read for hybrid-3.5 (after held-out 8 was written) and it is training data
    since: these are training-set figures now.
    """
    _meets(
        _jsonl(HERE / "heldout_comments_7.jsonl"),
        samples=100,
        accuracy=0.80,
        pos_neg=0.97,
        theme_f1=0.67,
        urgent_recall=URGENT_RECALL,
        urgent_precision=URGENT_PRECISION,
    )


def test_heldout_set_8_final_measure() -> None:
    """100 comments by a fourth independent author (DESIGN section 4, the data README and
    the dev set only; half the urgent events told plainly, half indirectly). Only its
    aggregate figures have been read. hybrid-3.2: 4-class 0.67, pos/neg 0.827, theme F1
    0.692, urgent recall 0.55, precision 0.647; hybrid-3.4: 0.68, 0.853, 0.700, 0.60, 0.706;
    hybrid-3.5: 0.71, 0.880, 0.703, 0.60 (12 of 20), 0.75. Every figure but urgent
    precision is below its target: these are floors, and the honest measure.
    """
    _meets(
        _jsonl(HERE / "heldout_comments_8.jsonl"),
        samples=100,
        accuracy=0.71,
        pos_neg=0.88,
        theme_f1=0.70,
        urgent_recall=0.60,
        urgent_precision=0.75,
    )


def test_nhs_balanced_accuracy_target() -> None:
    with shared(NHS).open(encoding="utf-8", newline="") as handle:
        report = evaluate_nhs(handle)
    assert report["samples"] > 7000
    # Raw TextBlob scores 0.43 on this measure, heuristic-2.3 0.868. hybrid-3.0 is trained on
    # this file: 0.925 here is a training-set figure; its 5-fold CV figure is 0.910.
    assert report["balanced_pos_neg_accuracy"] >= 0.9
