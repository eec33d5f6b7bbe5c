"""The metric definitions the dashboard, PDF and CSV add (pure), against worked examples."""

from __future__ import annotations

import pytest

from feedback.metrics import (
    Change,
    Figure,
    mean_of_sums,
    median_days,
    median_of_counts,
    sla_compliance,
    small_cell,
    suppressed,
)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, None),
        ({5: 1}, 5),
        ({1: 1, 2: 1}, 1.5),
        ({1: 2, 10: 1}, 1),  # 1, 1, 10
        ({1: 1, 3: 2, 100: 1}, 3),  # 1, 3, 3, 100
        ({2: 0, 4: 1}, 4),  # empty bins are ignored
    ],
)
def test_median_of_a_histogram_is_the_median_of_the_values_it_stands_for(counts, expected):
    assert median_of_counts(counts) == expected


def test_median_days_from_whole_hours_uses_the_middle_of_each_hour():
    # resolved after 24, 48, 72 and 240 hours -> (48.5 + 72.5) / 2 = 60.5 h = 2.5 days
    assert median_days({24: 1, 48: 1, 72: 1, 240: 1}) == Figure(2.5, 4)
    assert median_days({}) == Figure(None, 0)


def test_a_change_needs_both_figures():
    assert Change(Figure(30.0, 40), Figure(0.0, 30)).delta == 30.0
    assert Change(Figure(30.0, 40), Figure(None, 12)).delta is None
    assert Change(Figure(None, 3), Figure(10.0, 40)).delta is None


def test_small_cells_of_one_to_ten_patients_are_withheld_but_zero_is_not():
    assert [suppressed(n) for n in (0, 1, 10, 11)] == [False, True, True, False]
    assert small_cell(0) == 0 and small_cell(7) is None and small_cell(11) == 11


def test_sla_compliance_and_mean_rating():
    assert sla_compliance(3, 4) == Figure(75.0, 4)
    assert sla_compliance(0, 0) == Figure(None, 0)
    assert mean_of_sums(42.0, 10, min_sample=10) == Figure(4.2, 10)
    assert mean_of_sums(45.0, 9, min_sample=10) == Figure(None, 9)
