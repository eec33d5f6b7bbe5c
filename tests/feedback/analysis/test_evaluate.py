"""Regression guard: the issue's targets, measured on the labelled sets.

Where the engine meets a target, the test asserts the target itself. Where it does not yet,
the floor is the figure the engine reached, so a regression shows; the docs list those misses.

hybrid-4.9 learns from the dev set, held-out 1-11, the 7,170 comments in bench/data and the
NHS file (bench/train_sentiment.py), so those figures are training-set figures now (theme F1
above all: the theme models fit their training comments closely); the honest measures are
the cross-validation figures in docs/analysis.md and held-out 12 to 17, written by authors
who never saw the engine, whose errors were never read.

Tests that need the shared data fail when the CI environment variable is set and the file
is missing (a CI run must measure, not silently skip); elsewhere they skip.
"""

import os
from pathlib import Path
from typing import NamedTuple

import pytest

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


class Floors(NamedTuple):
    accuracy: float
    pos_neg: float
    theme_f1: float
    urgent_recall: float
    urgent_precision: float


TARGETS = Floors(ACCURACY, POS_NEG, THEME_F1, URGENT_RECALL, URGENT_PRECISION)


def shared(path: Path) -> Path:
    if not path.exists():
        unavailable(f"shared data file {path} is missing", "CI must measure the targets")
    return path


def _jsonl(path: Path) -> dict:
    return evaluate_jsonl(path.read_text(encoding="utf-8").splitlines())


def _meets(report: dict, samples: int, floors: Floors) -> None:
    assert report["samples"] == samples
    assert report["accuracy"] >= floors.accuracy
    assert report["pos_neg_accuracy"] >= floors.pos_neg
    assert report["theme_micro_f1"] >= floors.theme_f1
    assert report["urgent_recall"] >= floors.urgent_recall
    assert report["urgent_precision"] >= floors.urgent_precision


def test_dev_set_targets() -> None:
    _meets(_jsonl(shared(DEV)), 216, TARGETS)


def test_dev_odd_half_never_inspected() -> None:
    """Errors were only ever read on the even lines; the odd half measures generalisation."""
    lines = shared(DEV).read_text(encoding="utf-8").splitlines()[1::2]
    report = evaluate_jsonl(lines)
    assert report["accuracy"] >= ACCURACY
    assert report["pos_neg_accuracy"] >= POS_NEG
    # Target 0.85 not met on the odd half: 0.816 reached (themes are still rule-only).
    assert report["theme_micro_f1"] >= 0.81


# Each labelled set's floors: the targets where the engine meets them, else the figure
# it reached. Newest last; the history of each set is in docs/analysis.md.
HELDOUT_FLOORS = {
    # Held-out 1 (63): the first held-out set; training data since hybrid-3.0.
    "heldout_comments.jsonl": (63, TARGETS),
    # Held-out 2 (42): written before 2.2, its errors developed 2.3 (2.2 reached 0.762 /
    # 0.800 / 0.849 / 0.833); 2.3: 0.929, 0.971, 0.889, urgent recall 1.0.
    "heldout_comments_2.jsonl": (42, TARGETS),
    # Held-out 3 (80): labelled before any 2.3 change; training data for hybrid-3.0 (CV not
    # trained on the fold: 0.775 / 0.879 / 0.766 / 0.867). Theme F1 stays below target.
    # 4.0, trained on 2,382 labelled comments with theme models: 0.80, 0.985, 0.924, 1.0, 1.0;
    # 4.2 (4,752 comments): 0.7875, 0.985, 0.917, 1.0, 1.0.
    "heldout_comments_3.jsonl": (80, Floors(0.78, POS_NEG, 0.76, URGENT_RECALL, URGENT_PRECISION)),
    # Held-out 4 (80): written before hybrid-3.0, its errors read for 3.1 (3.0: 0.762 /
    # 0.902 / 0.759, urgent recall 0.462; 3.1: 0.838, 0.967, 0.861, 1.0, 1.0).
    "heldout_comments_4.jsonl": (
        80,
        Floors(0.83, POS_NEG, THEME_F1, URGENT_RECALL, URGENT_PRECISION),
    ),
    # Held-out 5 (101): written before any 3.1 change (3.0: 0.772, 0.939, 0.661, urgent recall
    # 3 of 22; 3.1: 0.822, 0.951, 0.742, 0.955, 0.955); its theme errors shaped 3.2's cues.
    "heldout_comments_5.jsonl": (101, Floors(0.82, POS_NEG, 0.79, URGENT_RECALL, URGENT_PRECISION)),
    # Held-out 6 (100), second independent author. As the final measure (aggregates only)
    # 3.1/3.2 scored 0.79, 0.893, 0.746, 0.70, 0.737; its errors were read for 3.3 and 3.4.
    "heldout_comments_6.jsonl": (100, Floors(0.85, 0.96, 0.81, URGENT_RECALL, URGENT_PRECISION)),
    # Held-out 7 (100), third independent author, urgent events told indirectly. As the final
    # measure 3.2 scored 0.71, 0.867, 0.654, 0.45, 0.818 and 3.3 0.72, 0.893, 0.654, 0.70,
    # 0.875; its errors were read for 3.5.
    # 4.2: 0.79, 0.987, 0.850, 1.0, 1.0.
    "heldout_comments_7.jsonl": (100, Floors(0.79, 0.97, 0.67, URGENT_RECALL, URGENT_PRECISION)),
    # Held-out 8 (100), fourth independent author. As the final measure (aggregates only)
    # 3.2 scored 0.67, 0.827, 0.692, 0.55, 0.647 and 3.5 0.71, 0.880, 0.703, 0.60, 0.75; its
    # errors were read for 3.6, which trains on it.
    "heldout_comments_8.jsonl": (100, Floors(0.90, 0.98, 0.78, URGENT_RECALL, URGENT_PRECISION)),
    # Held-out 9 (100), fifth independent author. As the final measure (aggregates only) 3.5
    # scored 0.73, 0.871, 0.683, 0.60, 0.706 and 3.6 0.80, 0.871, 0.689, 0.65, 0.722; its
    # errors were read for 3.7, which trains on it.
    # 4.1: 0.91, 1.0, 0.919, 1.0, 0.952.
    "heldout_comments_9.jsonl": (100, Floors(0.91, POS_NEG, 0.77, URGENT_RECALL, URGENT_PRECISION)),
    # Held-out 10 (100), sixth independent author, half short survey answers and half online
    # reviews. As the final measure (aggregates only) 3.5 scored 0.75, 0.971, 0.739, 0.80,
    # 0.762, 3.6 0.72, 0.957, 0.742, 0.80, 0.80 and 3.7 0.77, 0.986, 0.746, 0.85, 0.809; its
    # errors were read for 3.8, which trains on it.
    # 4.0: 0.91, 1.0, 0.949, 1.0, 0.952.
    "heldout_comments_10.jsonl": (100, Floors(0.91, POS_NEG, 0.83, URGENT_RECALL, 0.95)),
    # Held-out 11 (100), seventh independent author (a month of a trust's feedback, urgent
    # events told without their keywords), written before 3.7: unseen, aggregates only.
    # 3.5: 0.73, 0.941, 0.688, 0.75, 0.652; 3.6: 0.78, 0.956, 0.698, 0.80, 0.667; 3.7: 0.79,
    # 0.941, 0.723, 0.85 (17 of 20), 0.708; 3.8: 0.79, 0.941, 0.725, 0.80 (16 of 20), 0.696
    # (its rules kept 17 of 20; the word model retrained with held-out 10 lost one); 3.9
    # (narrower theme cues): theme F1 0.721, the rest unchanged.
    "heldout_comments_11.jsonl": (100, Floors(0.79, POS_NEG, 0.72, 0.80, 0.69)),
    # Held-out 12 (100), eighth independent author (a US health system and an NHS trust in
    # equal parts, eight urgent events only implied), written before 3.8: unseen, aggregates
    # only. 3.5: 0.75, 0.941, 0.724, 0.70 (14 of 20), 0.778; 3.7: 0.77, 0.941, 0.726, 0.70,
    # 0.737; 3.8: 0.76, 0.941, 0.726, 0.70, 0.737; 3.9: theme F1 0.734, the rest unchanged.
    # 4.0: 0.77, 0.941, 0.756, 0.80 (16 of 20), 0.80; 4.1: 0.81, 0.956, 0.770, 0.80, 0.842;
    # 4.2: 0.79, 0.971, 0.789, 0.80, 0.842; 4.3: 0.81, 0.941, 0.790, 0.85 (17 of 20), 0.85;
    # 4.4: 0.79, 0.941, 0.795, 0.85, 0.85; its errors were read for 4.5: 0.80, the rest
    # unchanged; and for 4.6: 0.84, 0.956, 0.799, 0.85, 0.85; 4.7: 0.85, 0.971, the rest
    # unchanged; 4.8: 0.86, 0.971, 0.806, 0.85, 0.85; 4.9: theme F1 0.803.
    "heldout_comments_12.jsonl": (100, Floors(0.86, POS_NEG, 0.80, 0.85, 0.85)),
    # Held-out 13 (100), ninth independent author (community and outpatient services, eleven
    # urgent events only implied), written after 3.9 was finished: unseen, aggregates only.
    # 3.5: 0.69, 0.868, 0.648, 0.70 (14 of 20), 0.70; 3.9: 0.73, 0.868, 0.671, 0.80 (16 of
    # 20), 0.727; 4.0: 0.78, 0.926, 0.735, 0.75 (15 of 20), 0.682; 4.1: 0.76, 0.926, 0.759,
    # 0.75, 0.714; 4.2: 0.76, 0.926, 0.763, 0.85 (17 of 20), 0.68; 4.3: 0.77, 0.941, 0.782,
    # 0.80 (16 of 20), 0.696; 4.4: 0.75, 0.941, 0.787, 0.85 (17 of 20), 0.708; 4.5 and 4.6
    # the same; 4.9: 0.77, theme F1 0.789, the rest unchanged.
    "heldout_comments_13.jsonl": (100, Floors(0.77, POS_NEG, 0.78, 0.85, 0.70)),
    # Held-out 14 (100), tenth independent author (a patient-experience officer's sample of
    # every department, eighteen urgent events), written after 3.9 was finished:
    # unseen, aggregates only. 3.5: 0.70, 0.779, 0.616, 0.83 (15 of 18), 0.789; 3.9: 0.74,
    # 0.809, 0.632, 0.83, 0.789; 4.0: 0.75, 0.809, 0.686, 0.89 (16 of 18), 0.80; 4.1: 0.78,
    # 0.824, 0.733, 0.89, 0.842; 4.2: 0.80, 0.868, 0.752, 0.89, 0.842; 4.3: 0.80, 0.853,
    # 0.758, 0.89, 0.842; 4.4: 0.81, 0.882, 0.761, 0.89, 0.842; 4.5: 0.82, 0.897, the rest
    # unchanged; 4.6: 0.83, the rest unchanged; 4.8: theme F1 0.759.
    "heldout_comments_14.jsonl": (100, Floors(0.83, 0.89, 0.75, 0.88, 0.84)),
    # Held-out 15 (100), eleventh independent author (a complaints-and-compliments lead's month
    # of one trust, eighteen urgent events), written after 3.9 was finished: unseen,
    # aggregates only. 3.5: 0.59, 0.779, 0.605, 0.61 (11 of 18), 0.611; 3.9: 0.63, 0.824,
    # 0.626, 0.72 (13 of 18), 0.684; 4.0: 0.73, 0.897, 0.697, 0.78 (14 of 18), 0.737; 4.1:
    # 0.70, 0.912, 0.722, 0.78, 0.778; 4.2: 0.72, 0.912, 0.711, 0.78, 0.778; 4.3: 0.76,
    # 0.912, 0.724, 0.83 (15 of 18), 0.75; 4.4: 0.71, 0.926, 0.732, 0.83, 0.789; 4.5: 0.72,
    # the rest unchanged; 4.6: theme F1 0.728, the rest unchanged; 4.7: theme F1 0.732;
    # 4.8: 0.71, the rest unchanged; 4.9: 0.72, theme F1 0.728 (the retrained theme models'
    # noise: with 4.8's weights the new rules left it at 0.732).
    "heldout_comments_15.jsonl": (100, Floors(0.72, POS_NEG, 0.72, 0.83, URGENT_PRECISION)),
    # Held-out 16 (100), twelfth independent author (a regional health system's quarter
    # across emergency, inpatient, outpatient, primary care, billing and the portal, eighteen
    # urgent, two in Spanish), written after 4.2 was finished: unseen, aggregates only.
    # 4.2: 0.84, 0.956, 0.818, 1.0 (18 of 18), 0.857; 4.3: 0.85, 0.956, 0.820, 1.0, 0.857;
    # 4.4: 0.85, 0.956, 0.826, 1.0, 0.857; 4.5: 0.86, 0.956, 0.829, 1.0, 0.857; 4.6: theme
    # F1 0.827, the rest unchanged.
    "heldout_comments_16.jsonl": (100, Floors(ACCURACY, POS_NEG, 0.82, URGENT_RECALL, 0.85)),
    # Held-out 17 (120), thirteenth independent author (a city teaching hospital across
    # emergency, wards, clinics, surgery, maternity, billing, the portal and parking; 22
    # urgent, two in Spanish), committed before 4.4 was trained: unseen, aggregates only.
    # 4.3: 0.867, 0.951, 0.780, 0.818 (18 of 22), 0.947; 4.4: 0.883, 0.988, 0.781, 0.818,
    # 0.947; 4.5 and 4.6: 0.892, 0.988, 0.783, 0.818, 0.947.
    "heldout_comments_17.jsonl": (120, Floors(ACCURACY, POS_NEG, 0.78, 0.81, URGENT_PRECISION)),
}


@pytest.mark.parametrize("name", HELDOUT_FLOORS)
def test_heldout_set_floors(name: str) -> None:
    samples, floors = HELDOUT_FLOORS[name]
    _meets(_jsonl(HERE / name), samples, floors)


def test_nhs_balanced_accuracy_target() -> None:
    with shared(NHS).open(encoding="utf-8", newline="") as handle:
        report = evaluate_nhs(handle)
    assert report["samples"] > 7000
    # Raw TextBlob scores 0.43 on this measure, heuristic-2.3 0.868. hybrid-3.0 is trained on
    # this file: 0.925 here is a training-set figure; its 5-fold CV figure is 0.910.
    assert report["balanced_pos_neg_accuracy"] >= 0.9
