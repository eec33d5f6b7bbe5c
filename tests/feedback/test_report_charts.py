"""SVG charts: well-formed, accessible, escaped, deterministic, honest about missing data."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup, escape

from feedback.reports.charts import (
    DASH,
    NO_DATA,
    Series,
    bar_chart,
    contrast,
    heat_map,
    line_chart,
    nice_ticks,
    sparkline,
)

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> \"&' \x00\x07"
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    # Our own output, not untrusted input; fromstring raises on anything not well-formed.
    return ET.fromstring(str(svg))  # noqa: S314


def all_of(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(f"{NS}{tag}"))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in all_of(root, "text")]


def nps_series() -> list[Series]:
    return [
        Series("Inpatients", list(zip(MONTHS[:6], [12, -8, None, 30, 41, 5], strict=True))),
        Series("Emergency", list(zip(MONTHS[:6], [-40, -35, -20, None, None, -10], strict=True))),
    ]


def every_chart() -> list[Markup]:
    return [
        line_chart(nps_series(), title="NPS", y_label="NPS", y_min=-100, y_max=100),
        bar_chart([("Cardiology", 12), ("Maternity", -30), ("ED", None)], title="NPS by dept"),
        bar_chart([("Cardiology", 12), ("Maternity", -30)], title="Vertical", horizontal=False),
        heat_map(
            ["Ward 1", "ED"],
            ["Communication", "Waiting"],
            {
                ("Ward 1", "Communication"): 0.1,
                ("ED", "Waiting"): 0.8,
                ("ED", "Communication"): None,
            },
            title="Share negative",
        ),
        sparkline([70, 72, None, 75, 74], title="Top-box trend"),
    ]


@pytest.mark.parametrize("svg", every_chart(), ids=["line", "bar", "vbar", "heat", "spark"])
def test_every_chart_is_a_labelled_standalone_image(svg: Markup) -> None:
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and title.get("id") == title_id and title.text
    assert desc is not None and desc.get("id") == desc_id and len(desc.text or "") > 20
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


@pytest.mark.parametrize("svg", every_chart(), ids=["line", "bar", "vbar", "heat", "spark"])
def test_nothing_the_csp_would_block(svg: Markup) -> None:
    root = parse(svg)
    assert all("style" not in el.attrib for el in root.iter())
    assert not all_of(root, "script") and not all_of(root, "style")
    assert all(not k.startswith("on") for el in root.iter() for k in el.attrib)


@pytest.mark.parametrize("svg", every_chart(), ids=["line", "bar", "vbar", "heat", "spark"])
def test_text_on_white_meets_wcag_aa(svg: Markup) -> None:
    root = parse(svg)
    cells = root.find(f"{NS}g[@class='cells']")
    for t in all_of(root, "text"):
        if cells is None or t not in list(cells):
            assert contrast(t.get("fill", "#000000"), "#ffffff") >= 4.5


def test_heat_map_cell_text_contrasts_with_its_own_cell() -> None:
    values = {("r", str(c)): c / 10 for c in range(11)}
    root = parse(heat_map(["r"], [str(c) for c in range(11)], values, title="Ramp"))
    children = list(root.find(f"{NS}g[@class='cells']"))  # type: ignore[arg-type]
    for rect, text in zip(children[::2], children[1::2], strict=True):
        assert contrast(rect.get("fill", ""), text.get("fill", "")) >= 4.5


def test_hostile_labels_are_escaped_and_survive_as_text() -> None:
    charts = [
        line_chart([Series(HOSTILE, [(HOSTILE, 1.0), ("b", 2.0)])], title=HOSTILE, y_label=HOSTILE),
        bar_chart([(HOSTILE, 3.0)], title=HOSTILE),
        heat_map(
            [HOSTILE],
            [HOSTILE],
            {(HOSTILE, HOSTILE): 0.5},
            title=HOSTILE,
            low_label=HOSTILE,
            high_label=HOSTILE,
        ),
        sparkline([1, 2], title=HOSTILE),
    ]
    for svg in charts:
        assert "<script" not in svg and "\x00" not in svg
        root = parse(svg)
        assert root.find(f"{NS}title").text == "<script>alert(1)</script> \"&'"  # type: ignore[union-attr]
        assert not all_of(root, "script")
        # Embedding in an autoescaped Jinja template leaves the markup alone.
        assert escape(svg) == svg


def test_none_breaks_the_line_instead_of_dropping_to_zero() -> None:
    series = Series("Top-box", [("W1", 60), ("W2", 62), ("W3", None), ("W4", 65), ("W5", 66)])
    root = parse(line_chart([series], title="Top-box", y_label="%"))
    lines = all_of(root, "polyline")
    assert len(lines) == 2
    assert [len(p.get("points", "").split()) for p in lines] == [2, 2]
    assert len(all_of(root, "circle")) == 4
    assert "too few responses in W3" in root.find(f"{NS}desc").text  # type: ignore[operator, union-attr]
    # The axis starts near the data, not at zero: nothing was drawn for the gap.
    assert "0" not in texts(root)


def test_nan_is_treated_as_missing() -> None:
    root = parse(sparkline([1.0, math.nan, 3.0, math.inf], title="t"))
    assert "nan" not in ET.tostring(root, encoding="unicode").lower()
    assert not all_of(root, "polyline")  # two lone points, no line between them
    assert len(all_of(root, "circle")) == 2


def test_negative_ranges_get_a_zero_line() -> None:
    root = parse(line_chart(nps_series(), title="NPS", y_label="NPS", y_min=-100, y_max=100))
    assert len([el for el in root.iter() if el.get("class") == "zero-line"]) == 1
    assert {"-100", "-50", "0", "50", "100"} <= set(texts(root))
    positive = parse(line_chart([Series("a", [("x", 4.1), ("y", 4.6)])], title="t", y_label="m"))
    assert not [el for el in positive.iter() if el.get("class") == "zero-line"]


def test_negative_bars_grow_left_of_the_zero_line() -> None:
    root = parse(bar_chart([("Up", 20), ("Down", -30)], title="NPS"))
    zero = next(el for el in root.iter() if el.get("class") == "zero-line")
    up, down = all_of(root, "rect")
    assert float(up.get("x", "")) == pytest.approx(float(zero.get("x1", "")))
    assert float(down.get("x", "")) + float(down.get("width", "")) == pytest.approx(
        float(zero.get("x1", "")), abs=0.1
    )
    assert "Down: -30" in root.find(f"{NS}desc").text  # type: ignore[operator, union-attr]


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (-100, 100, [-100, -50, 0, 50, 100]),
        (0, 7.3, [0, 2, 4, 6, 8]),
        (3.2, 4.7, [3.0, 3.5, 4.0, 4.5, 5.0]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (42, 42, [36, 38, 40, 42, 44, 46, 48]),
        (0, 0, [-1, -0.5, 0, 0.5, 1]),
        (-3, 1234, [-500, 0, 500, 1000, 1500]),
    ],
)
def test_ticks_are_round_numbers(lo: float, hi: float, expected: list[float]) -> None:
    assert nice_ticks(lo, hi) == pytest.approx(expected)


def test_tick_labels_have_consistent_decimals() -> None:
    root = parse(line_chart([Series("m", [("a", 3.2), ("b", 4.7)])], title="t", y_label="mean"))
    ticks = [t.get("text-anchor") == "end" and "".join(t.itertext()) for t in all_of(root, "text")]
    assert [t for t in ticks if t] == ["3.0", "3.5", "4.0", "4.5", "5.0"]  # never "3", "3.5"


def test_percent_format_is_used_on_the_axis_too() -> None:
    root = parse(bar_chart([("a", 0.25), ("b", 0.5)], title="Share", value_format="{:.0%}"))
    assert {"0%", "10%", "50%", "25%"} <= set(texts(root))


@pytest.mark.parametrize(
    "svg",
    [
        line_chart([], title="Empty", y_label="NPS"),
        bar_chart([], title="Empty"),
        heat_map([], [], {}, title="Empty"),
        heat_map(["a"], [], {}, title="Empty"),
    ],
)
def test_empty_input_says_so(svg: Markup) -> None:
    root = parse(svg)
    assert NO_DATA in texts(root)
    assert root.find(f"{NS}desc").text == f"{NO_DATA}."  # type: ignore[union-attr]


def test_empty_sparkline_is_short_on_screen_but_full_for_screen_readers() -> None:
    root = parse(sparkline([], title="Trend"))
    assert texts(root) == ["No data"]
    assert root.find(f"{NS}desc").text == f"{NO_DATA}."  # type: ignore[union-attr]


def test_all_missing_values_say_too_few_responses() -> None:
    series = [Series("a", [("W1", None), ("W2", None)])]
    root = parse(line_chart(series, title="t", y_label="NPS"))
    assert texts(root) == ["Too few responses to show this period"]
    assert not all_of(root, "polyline")
    assert "Too few" in texts(parse(bar_chart([("a", None)], title="t")))[0]


def test_one_series_all_missing_among_others_is_described() -> None:
    series = [Series("a", [("W1", 1.0), ("W2", 2.0)]), Series("b", [("W1", None), ("W2", None)])]
    desc = parse(line_chart(series, title="t", y_label="NPS")).find(f"{NS}desc").text or ""  # type: ignore[union-attr]
    assert "b: too few responses in every period." in desc


def test_single_point_is_a_marker_in_the_middle() -> None:
    root = parse(line_chart([Series("a", [("2026-09", 42)])], title="t", y_label="NPS"))
    (dot,) = all_of(root, "circle")
    assert not all_of(root, "polyline")
    assert float(dot.get("cx", "")) > 200
    assert "42 in 2026-09" in root.find(f"{NS}desc").text  # type: ignore[operator, union-attr]
    assert len(all_of(parse(sparkline([5], title="t")), "circle")) == 1


def test_long_labels_are_cut_with_an_ellipsis_and_kept_in_full_as_tooltip() -> None:
    long = "Department of Extremely Long Names and Even Longer Subtitles " * 3
    root = parse(bar_chart([(long, 1), ("b", 2)], title="t", width=400))
    label = next(t for t in all_of(root, "text") if "Department" in "".join(t.itertext()))
    assert label.text is not None and label.text.endswith("…") and len(label.text) < 60
    assert label.find(f"{NS}title").text == long.strip()  # type: ignore[union-attr]


def test_output_is_deterministic_and_ids_differ_between_charts() -> None:
    assert every_chart() == every_chart()
    a = parse(sparkline([1, 2, 3], title="A"))
    b = parse(sparkline([1, 2, 4], title="A"))
    assert a.get("aria-labelledby") != b.get("aria-labelledby")
    custom = parse(sparkline([1, 2], title="A", id_prefix="kpi-nps"))
    assert custom.get("aria-labelledby") == "kpi-nps-title kpi-nps-desc"


@pytest.mark.parametrize("bad", ['x" onload="alert(1)', "1abc", "", "a b"])
def test_id_prefix_must_be_a_plain_identifier(bad: str) -> None:
    with pytest.raises(ValueError, match="id_prefix"):
        sparkline([1], title="t", id_prefix=bad)


def test_heat_map_suppressed_and_missing_cells_are_hatched_with_a_dash() -> None:
    root = parse(
        heat_map(
            ["Ward 1", "ED"],
            ["Food", "Noise"],
            {("Ward 1", "Food"): 0.2, ("ED", "Food"): None},
            title="Share negative",
            low_label="Fewer complaints",
            high_label="More complaints",
        )
    )
    (pattern,) = all_of(root, "pattern")
    cells = list(root.find(f"{NS}g[@class='cells']"))  # type: ignore[arg-type]
    fills = [c.get("fill") for c in cells[::2]]
    assert fills.count(f"url(#{pattern.get('id')})") == 3
    assert ["".join(t.itertext()) for t in cells[1::2]] == ["20%", DASH, DASH, DASH]
    desc = root.find(f"{NS}desc").text or ""  # type: ignore[union-attr]
    assert "3 of 4 cells have too few responses" in desc and "Ward 1 / Food 20%" in desc
    assert {"Fewer complaints", "More complaints"} <= set(texts(root))


def test_many_series_cycle_colours_with_distinct_dashes() -> None:
    series = [Series(f"S{i}", [("a", i), ("b", i + 1)]) for i in range(8)]
    root = parse(line_chart(series, title="t", y_label="v"))
    styles = {(p.get("stroke"), p.get("stroke-dasharray")) for p in all_of(root, "polyline")}
    assert len(styles) == 8
    assert {"S0", "S7"} <= set(texts(root))  # legend


def test_period_labels_are_thinned_when_crowded() -> None:
    weeks = [f"W{w:02d}" for w in range(1, 53)]
    root = parse(
        line_chart(
            [Series("a", [(w, float(i)) for i, w in enumerate(weeks)])],
            title="t",
            y_label="v",
            width=400,
        )
    )
    shown = [t for t in texts(root) if t.startswith("W")]
    assert 3 <= len(shown) < 20 and shown[0] == "W01"
