"""The dashboard's figures, on SQLite and PostgreSQL, against a quarter worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from feedback.auth.roles import CurrentStaff, Role
from feedback.metrics import Figure
from feedback.services.dashboard import DashboardFilters, FilterError, dashboard_for
from tests.feedback.dashboard_seed import END, START, at, seed_quarter

ADMIN = CurrentStaff(1, "a@example.org", "A", Role.ADMIN, None, None)
NOW = at(END + dt.timedelta(days=1))


def _filters(**kw) -> DashboardFilters:
    return DashboardFilters.parse(START.isoformat(), END.isoformat(), **kw)


async def test_the_quarter_matches_the_hand_worked_figures(db):
    await seed_quarter()
    board = await dashboard_for(ADMIN, _filters(), now=NOW)
    nps = board.kpi("nps").change
    assert nps.current == Figure(30.0, 40) and nps.previous == Figure(0.0, 30)
    assert nps.delta == 30.0 and board.kpi("nps").direction == "better"
    assert board.kpi("top_box").change.current == Figure(75.0, 40)
    assert board.kpi("response_rate").change.current == Figure(40.0, 100)
    assert board.kpi("feedback").change.current.value == 60
    negative = board.kpi("negative_share").change
    assert negative.current == Figure(46.7, 60)
    assert negative.previous == Figure(None, 20)  # too few: says so, no swing
    assert negative.delta is None and board.kpi("negative_share").direction == ""
    assert board.kpi("ticketed").change.current == Figure(42.9, 28)
    assert board.kpi("sla").change.current == Figure(75.0, 4)
    assert board.kpi("resolve_days").change.current == Figure(2.5, 4)
    assert board.kpi("told").change.current == Figure(50.0, 2)
    assert board.kpi("to_change").change.current == Figure(46.0, 3)
    assert board.retention["promoter"].current == Figure(None, 20)  # below 30 patients
    assert board.retention["detractor"].current == Figure(None, 8)
    # Heat map: billing x Cardiology is shown, parking complaints in Oncology (4) withheld.
    assert board.heat_values[("Billing", "Cardiology")] == 24.0
    assert board.heat_values[("Facilities", "Oncology")] is None
    assert board.top_themes[0] == ("billing", 24, 0)
    assert board.overdue == [("Oncology", 1)]  # tickets, not patients: shown in full
    assert [row["title"] for row in board.improvements] == ["Itemised bills explained at check-out"]
    assert dict((s, n) for s, n, _ in board.volume_by_source) == {"survey": 30, "staff": 30}
    assert len(board.nps_trend) == 13  # weekly points over 91 days
    assert all(value is None for _, value in board.nps_trend)  # < 30 answers a week


async def test_a_lead_sees_only_their_department_whatever_they_ask(db):
    seeded = await seed_quarter()
    lead = CurrentStaff(2, "l@example.org", "L", Role.LEAD, seeded.oncology, "Oncology")
    board = await dashboard_for(lead, _filters(department=str(seeded.cardiology)), now=NOW)
    assert board.filters.department_id == seeded.oncology
    assert board.kpi("feedback").change.current.value == 4
    assert board.kpi("nps").change.current == Figure(None, 0)
    assert list(board.departments) and board.heat_values == {("Facilities", "Oncology"): None}
    assert not board.ratings_apply


async def test_filters_narrow_every_figure(db):
    seeded = await seed_quarter()
    board = await dashboard_for(ADMIN, _filters(location=str(seeded.hilltop)), now=NOW)
    assert board.kpi("feedback").change.current.value == 4
    assert board.kpi("nps").change.current.n == 0
    staff_only = await dashboard_for(ADMIN, _filters(source="staff"), now=NOW)
    assert staff_only.kpi("feedback").change.current.value == 30
    assert not staff_only.survey_applies and staff_only.notes


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [("2026-13-01", None, "Dates must look like"), ("2026-05-01", "2026-04-01", "before")],
)
def test_bad_filters_are_refused_with_a_reason(start, end, message):
    with pytest.raises(FilterError, match=message):
        DashboardFilters.parse(start, end)


def test_the_period_is_compared_with_the_one_just_before():
    filters = DashboardFilters.parse("2026-07-01", "2026-09-29")
    assert filters.period.days == 91
    previous = filters.period.previous
    assert (previous.start, previous.end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert filters.period.bucket_of("2026-06-30") is None
    assert filters.period.bucket_of("2026-07-08") == 1
