"""Metric definitions (pure), checked against hand-worked examples."""

from __future__ import annotations

import pytest

from feedback.metrics import Figure, composite, linear_mean, nps, rate, top_box


def test_nps_is_promoters_minus_detractors():
    # 5 promoters (9, 10), 3 passives (7, 8), 2 detractors (0-6) of 10 -> 50 - 20 = 30
    counts = {10: 3, 9: 2, 8: 2, 7: 1, 6: 1, 0: 1}
    assert nps(counts, min_sample=1) == Figure(30.0, 10)
    assert nps({10: 4}, min_sample=1).value == 100.0
    assert nps({3: 4}, min_sample=1).value == -100.0


def test_small_samples_say_so_instead_of_swinging():
    assert nps({10: 29}) == Figure(None, 29)
    assert nps({10: 30}).value == 100.0
    assert nps({}) == Figure(None, 0)


def test_top_box_counts_only_the_best_answer():
    counts = {"always": 6, "usually": 3, "never": 1}
    assert top_box("frequency", counts, min_sample=1) == Figure(60.0, 10)
    assert top_box("rating", {"10": 1, "9": 1, "8": 2}, min_sample=1).value == 50.0
    assert top_box("free_text", {"x": 40}).value is None


@pytest.mark.parametrize(
    ("kind", "counts", "expected"),
    [
        ("frequency", {"never": 1, "always": 1}, 50.0),
        ("frequency", {"sometimes": 1, "usually": 1, "always": 1}, 66.7),
        ("definitely", {"definitely_yes": 3, "probably_no": 1}, 83.3),
        ("yes_no", {"yes": 3, "no": 1}, 75.0),
        ("agreement", {"agree": 2, "neutral": 2}, 62.5),
        ("rating", {"10": 1, "7": 1}, 85.0),
    ],
)
def test_linear_mean_places_answers_on_a_0_to_100_scale(kind, counts, expected):
    assert linear_mean(kind, counts, min_sample=1).value == expected


def test_composite_is_the_mean_of_its_items_and_needs_every_item():
    assert composite([Figure(80.0, 40), Figure(60.0, 35)]) == Figure(70.0, 35)
    assert composite([Figure(80.0, 40), Figure(None, 3)]) == Figure(None, 3)


def test_rate():
    assert rate(12, 40) == Figure(30.0, 40)
    assert rate(0, 0) == Figure(None, 0)
