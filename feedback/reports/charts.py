"""SVG charts for the executive dashboard and PDF, drawn as plain strings (stdlib only).

Every chart is a standalone ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says
in words what the picture shows, so screen-reader users get the same story. The strict CSP
blocks ``style=`` attributes, so everything is set with presentation attributes (fill, stroke,
font-size). All text passes through one escaping helper because labels (department names,
themes) come from admins and reviews and may be hostile. Output is deterministic: ids derive
from a hash of the input and coordinates are rounded, so the same data gives the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

# Okabe-Ito hues that keep >= 3:1 against white (WCAG non-text contrast); orange, sky blue and
# yellow are left out because they fade on white paper. Each series also gets its own dash
# pattern, so colour is never the only cue (and a greyscale print still tells lines apart).
LINE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
BAR_POSITIVE, BAR_NEGATIVE = "#0072B2", "#D55E00"
# ColorBrewer "Oranges": one hue from light to dark reads the same with any colour vision.
HEAT_STOPS = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
TEXT, MUTED = "#222222", "#555555"  # 15.9:1 and 7.5:1 on white, above WCAG AA's 4.5:1
GRID, AXIS, SUPPRESSED = "#e0e0e0", "#767676", "#eeeeee"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
NO_DATA = "No data for this period"
TOO_FEW = "Too few responses to show this period"
DASH = "\u2013"  # en dash: the mark for a suppressed figure, as in the tables
CHAR_W = 0.6  # average glyph width / font size, generous so estimated labels rarely overflow

# XML 1.0 forbids most control characters: one pasted into a label would make the whole SVG
# unparseable, so they are dropped before escaping.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ID_OK = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Series:
    """One line: x is a period label; y None means "too few responses" (drawn as a gap)."""

    name: str
    points: Sequence[tuple[str, float | None]]


# --- SVG building blocks --------------------------------------------------------------------


def _clean(text: object) -> str:
    return " ".join(_INVALID_XML.sub("", str(text)).split())


def _num(v: float) -> str:
    """One decimal, no "-0": stable bytes whatever the platform."""
    s = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _el(tag: str, content: str | None = None, **attrs: object) -> str:
    parts = [f"<{tag}"]
    for key, value in attrs.items():
        if value is not None and value != "":  # optional attributes (dash, class) drop out
            text = _num(value) if isinstance(value, float) else _clean(value)
            parts.append(f" {key.rstrip('_').replace('_', '-')}={quoteattr(text)}")
    return "".join(parts) + ("/>" if content is None else f">{content}</{tag}>")


def _open(tag: str, **attrs: object) -> str:
    return _el(tag, **attrs)[:-2] + ">"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, **kw: object) -> str:
    return _el("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), stroke=stroke, **kw)


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "", **kw: object) -> str:
    content = _el("title", escape(_clean(tip))) if tip else None
    return _el(
        "rect", content, x=float(x), y=float(y), width=float(w), height=float(h), fill=fill, **kw
    )


def _truncate(text: str, max_chars: int) -> str:
    text = _clean(text)
    if len(text) <= max_chars:
        return text
    return text[: max(1, max_chars - 1)].rstrip() + "…"


def _text(
    x: float,
    y: float,
    label: str,
    anchor: str = "start",
    *,
    fill: str = TEXT,
    size: float = 11,
    max_px: float | None = None,
    **kw: object,
) -> str:
    """An escaped label, cut with an ellipsis to fit max_px; when cut, the full wording stays
    available as a tooltip."""
    full = _clean(label)
    shown = full if max_px is None else _truncate(full, max(1, int(max_px / (size * CHAR_W))))
    body = escape(shown) + (_el("title", escape(full)) if shown != full else "")
    return _el(
        "text",
        body,
        x=float(x),
        y=float(y),
        font_size=_num(size),
        fill=fill,
        text_anchor=None if anchor == "start" else anchor,
        **kw,
    )


def _polyline(run: Sequence[tuple[float, float]], **kw: object) -> str:
    pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
    return _el("polyline", points=pts, fill="none", stroke_linejoin="round", **kw)


def _px(text: str, size: float = 11) -> float:
    return len(text) * size * CHAR_W


def _make_id(kind: str, id_prefix: str | None, payload: object) -> str:
    """The caller's prefix, or a hash of the input: unique per distinct chart on a page, and
    without a counter that would make output depend on call order."""
    if id_prefix is not None:
        if not _ID_OK.fullmatch(id_prefix):
            raise ValueError("id_prefix must be a letter then letters, digits, '-' or '_'")
        return id_prefix
    digest = hashlib.sha256(repr((kind, payload)).encode("utf-8", "replace")).hexdigest()
    return f"{kind}-{digest[:10]}"


def _svg(kind: str, cid: str, title: str, desc: str, w: float, h: float, body: str) -> Markup:
    size = f"0 0 {_num(w)} {_num(h)}"
    head = _open(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        width=_num(w),
        height=_num(h),
        viewBox=size,
        role="img",
        aria_labelledby=f"{cid}-title {cid}-desc",
        class_=f"chart chart-{kind}",
        font_family=FONT,
    )
    title_el = _el("title", escape(_clean(title)), id=f"{cid}-title")
    desc_el = _el("desc", escape(_clean(desc)), id=f"{cid}-desc")
    # Every piece was built from escaped text, so the whole is safe to embed as is.
    return Markup(f"{head}{title_el}{desc_el}{body}</svg>")  # noqa: S704


def _empty(kind: str, cid: str, title: str, w: float, h: float, message: str) -> Markup:
    """A chart-sized box that says why there is no picture, instead of empty axes."""
    size = 12 if w >= 200 else 9
    body = _text(
        w / 2, h / 2 + size / 3, message, "middle", fill=MUTED, size=size, class_="chart-empty"
    )
    # A sparkline only has room for "No data"; the screen-reader text can say it in full.
    return _svg(kind, cid, title, f"{NO_DATA if message == 'No data' else message}.", w, h, body)


# --- numbers --------------------------------------------------------------------------------


def _finite(v: float | None) -> float | None:
    # NaN or inf from a division upstream would poison every coordinate: no figure instead.
    return float(v) if v is not None and math.isfinite(v) else None


def _decimals(step: float) -> int:
    return next((d for d in range(7) if abs(round(step, d) - step) < 1e-9), 6)


def _auto_format(values: Sequence[float]) -> str:
    """One format per chart: whole numbers if every value is whole, else one decimal."""
    return "{:.0f}" if all(abs(v - round(v)) < 1e-9 for v in values) else "{:.1f}"


def _fmt(fmt: str, v: float) -> str:
    out = fmt.format(v)
    # "-0" (a tiny negative rounded away) reads as a sign error on an executive's slide.
    return out[1:] if out.startswith("-") and not any(c in "123456789" for c in out) else out


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (multiples of 1, 2 or 5 x 10^k) covering [lo, hi]."""
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if raw <= m * mag * (1 + 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    d = _decimals(step) + 1
    return [round(i * step, d) + 0.0 for i in range(first, last + 1)]


def _domain(
    values: Sequence[float],
    fixed_lo: float | None = None,
    fixed_hi: float | None = None,
    zero: bool = False,
) -> tuple[float, float, list[float]]:
    """Axis range and ticks. A fixed bound (NPS -100..100) is kept unless data lies beyond it:
    clipping an out-of-range point would misreport it."""
    lo, hi = min(values), max(values)
    if zero:  # bars must start at zero or their lengths lie
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if fixed_lo is not None:
        lo = min(lo, fixed_lo)
    if fixed_hi is not None:
        hi = max(hi, fixed_hi)
    ticks = nice_ticks(lo, hi)
    lo = ticks[0] if fixed_lo is None else lo
    hi = ticks[-1] if fixed_hi is None else hi
    return lo, hi, [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]


def _tick_format(ticks: Sequence[float], value_format: str | None) -> str:
    """Ticks use the chart's value format when it keeps them distinct (so "40%" on the axis
    matches "40%" in the text), else as many decimals as the tick step needs."""
    if value_format and len({_fmt(value_format, t) for t in ticks}) == len(ticks):
        return value_format
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return f"{{:.{_decimals(round(step, 9))}f}}"


def _listing(items: Sequence[str], limit: int = 8, sep: str = ", ") -> str:
    more = [f"and {len(items) - limit} more"] if len(items) > limit else []
    return sep.join([*items[:limit], *more])


def _gap_runs(coords: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Split a series at missing values, so a gap is drawn as a gap and never as a zero."""
    runs: list[list[tuple[float, float]]] = [[]]
    for c in coords:
        if c is not None:
            runs[-1].append(c)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


# --- line chart -----------------------------------------------------------------------------


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    y_min: float | None = None,
    y_max: float | None = None,
    width: int = 640,
    height: int = 240,
    value_format: str | None = None,
    id_prefix: str | None = None,
) -> Markup:
    """Trend lines over periods; a None point breaks the line, it never drops to zero."""
    data = [Series(_clean(s.name), [(_clean(x), _finite(y)) for x, y in s.points]) for s in series]
    args = (title, y_label, y_min, y_max, width, height, value_format)
    cid = _make_id("line", id_prefix, (args, [(s.name, tuple(s.points)) for s in data]))
    labels = list(dict.fromkeys(x for s in data for x, _ in s.points))  # ordered union
    values = [y for s in data for _, y in s.points if y is not None]
    if not values:
        return _empty("line", cid, title, width, height, TOO_FEW if labels else NO_DATA)
    fmt = value_format or _auto_format(values)
    lo, hi, ticks = _domain(values, y_min, y_max)
    tick_texts = [_fmt(_tick_format(ticks, value_format), t) for t in ticks]
    styles = [(LINE_COLOURS[i % 5], DASHES[i % len(DASHES)]) for i in range(len(data))]

    # The legend is laid out first: its rows decide where the plot starts.
    legend, lx, ly = ['<g class="legend">'], 10.0, 14.0
    for s, (colour, dash) in zip(data, styles, strict=True) if len(data) > 1 else ():
        name = _truncate(s.name, 28)
        if lx + 40 + _px(name) > width - 10 and lx > 10:
            lx, ly = 10.0, ly + 18
        legend.append(
            _line(lx, ly - 4, lx + 20, ly - 4, colour, stroke_width=2, stroke_dasharray=dash)
            + _text(lx + 26, ly, name)
        )
        lx += 40 + _px(name)
    top = ly + 12 if len(legend) > 1 else 12.0
    left = 16 + (18 if y_label else 0) + max(_px(t) for t in tick_texts)
    pw, ph = max(width - left - 16, 10.0), max(height - top - 30, 10.0)
    n = len(labels)

    def sx(i: int) -> float:  # 8px inset keeps the end markers off the axes
        return left + pw / 2 if n == 1 else left + 8 + i * (pw - 16) / (n - 1)

    def sy(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    out = [*legend, "</g>", '<g class="axes">']
    for t, label in zip(ticks, tick_texts, strict=True):
        out.append(_line(left, sy(t), left + pw, sy(t)))
        out.append(_text(left - 6, sy(t) + 4, label, "end", fill=MUTED))
    if lo < 0 < hi:
        out.append(_line(left, sy(0), left + pw, sy(0), AXIS, stroke_width=1.5, class_="zero-line"))
    out.append(_line(left, top + ph, left + pw, top + ph, AXIS))
    if y_label:
        rotate = f"rotate(-90 14 {_num(top + ph / 2)})"
        out.append(
            _text(14, top + ph / 2, y_label, "middle", fill=MUTED, max_px=ph, transform=rotate)
        )
    # Thin the period labels so they never overlap: every k-th one is shown.
    every = max(1, math.ceil((max(_px(x) for x in labels) + 8) * n / pw))
    for i in range(0, n, every):
        out.append(
            _text(sx(i), top + ph + 16, labels[i], "middle", fill=MUTED, max_px=pw / n * every)
        )
    out.append("</g>")

    summaries = []
    for s, (colour, dash) in zip(data, styles, strict=True):
        by_label = dict(s.points)
        ys = [by_label.get(x) for x in labels]
        coords = [None if y is None else (sx(j), sy(y)) for j, y in enumerate(ys)]
        out.append(_open("g", class_="series", fill=colour))
        for run in _gap_runs(coords):
            if len(run) > 1:
                out.append(_polyline(run, stroke=colour, stroke_width=2, stroke_dasharray=dash))
        for j, y in enumerate(ys):
            if y is not None:
                tip = _el("title", escape(f"{s.name}, {labels[j]}: {_fmt(fmt, y)}"))
                out.append(_el("circle", tip, cx=sx(j), cy=sy(y), r=3.0))
        out.append("</g>")
        summaries.append(_describe(s.name, labels, by_label, fmt))
    desc = " ".join(
        [f"Line chart of {y_label} by period, {labels[0]} to {labels[-1]}.", *summaries]
    )
    return _svg("line", cid, title, desc, width, height, "".join(out))


def _describe(
    name: str, labels: Sequence[str], by_label: Mapping[str, float | None], fmt: str
) -> str:
    known = [(x, v) for x in labels if (v := by_label.get(x)) is not None]
    gaps = [x for x in labels if x in by_label and by_label[x] is None]
    text = f"{name}: " if name else ""
    if not known:
        return f"{text}too few responses in every period."
    (x0, v0), (x1, v1) = known[0], known[-1]
    text += f"{_fmt(fmt, v0)} in {x0}"
    if len(known) > 1:
        (xl, vl), (xh, vh) = min(known, key=lambda p: p[1]), max(known, key=lambda p: p[1])
        text += f" to {_fmt(fmt, v1)} in {x1}; lowest {_fmt(fmt, vl)} in {xl}"
        text += f", highest {_fmt(fmt, vh)} in {xh}"
    return text + (f"; too few responses in {_listing(gaps)}." if gaps else ".")


# --- bar chart ------------------------------------------------------------------------------


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    title: str,
    value_format: str = "{:.0f}",
    horizontal: bool = True,
    width: int = 640,
    height: int | None = None,
    id_prefix: str | None = None,
) -> Markup:
    """Bars from a zero baseline (negative values go the other way); None is shown as a dash."""
    data = [(_clean(label), _finite(v)) for label, v in bars]
    cid = _make_id("bar", id_prefix, (title, value_format, horizontal, width, height, data))
    n = len(data)
    height = height or (30 + 26 * n if horizontal else 240)
    values = [v for _, v in data if v is not None]
    if not values:
        return _empty("bar", cid, title, width, max(height, 60), TOO_FEW if data else NO_DATA)
    lo, hi, ticks = _domain(values, zero=True)
    tfmt = _tick_format(ticks, value_format)
    shown = [DASH if v is None else _fmt(value_format, v) for _, v in data]
    room = max(_px(t) for t in shown) + 8  # value labels sit past the bar ends
    # One layout for both orientations: `a` runs along the value axis, `b` across the bands;
    # `pt` turns (band, value) coordinates into (x, y).
    if horizontal:
        label_w = min(max(_px(label, 12) for label, _ in data) + 10, width * 0.35)
        a0, a1 = label_w + 8 + (room if lo < 0 else 0), width - 10 - (room if hi > 0 else 0)
        b0, band = 8.0, (height - 30) / n
    else:
        b0 = 16 + max(_px(_fmt(tfmt, t)) for t in ticks)
        a0, a1 = height - 24 - (16 if lo < 0 else 0), 8 + (16 if hi > 0 else 0)
        band = (width - b0 - 10) / n

    def pos(v: float) -> float:
        return a0 + (v - lo) / (hi - lo) * (a1 - a0)

    def pt(b: float, a: float) -> tuple[float, float]:
        return (a, b) if horizontal else (b, a)

    out = ['<g class="axes">']
    for t in ticks:
        out.append(_line(*pt(b0, pos(t)), *pt(b0 + band * n, pos(t))))
        tick = _fmt(tfmt, t)
        out.append(
            _text(pos(t), height - 6, tick, "middle", fill=MUTED)
            if horizontal
            else _text(b0 - 6, pos(t) + 4, tick, "end", fill=MUTED)
        )
    base = (*pt(b0, pos(0)), *pt(b0 + band * n, pos(0)))
    out += [_line(*base, AXIS, stroke_width=1.5, class_="zero-line"), "</g>", '<g class="bars">']
    for i, (label, v) in enumerate(data):
        mid, thick = b0 + band * (i + 0.5), min(band * 0.6, 24)
        if horizontal:
            out.append(_text(label_w, mid + 4, label, "end", size=12, max_px=label_w - 6))
        else:
            out.append(_text(mid, height - 8, label, "middle", max_px=band - 4))
        end = pos(0) if v is None else pos(v)
        if v is not None:
            x, y = pt(mid - thick / 2, min(pos(0), end))
            w, h = pt(thick, abs(end - pos(0)))
            fill = BAR_NEGATIVE if v < 0 else BAR_POSITIVE
            out.append(_rect(x, y, w, h, fill, f"{label}: {shown[i]}"))
        neg = v is not None and v < 0
        if horizontal:
            out.append(
                _text(end + (-5 if neg else 5), mid + 4, shown[i], "end" if neg else "start")
            )
        else:
            out.append(_text(mid, end + (14 if neg else -5), shown[i], "middle", max_px=band))
    out.append("</g>")
    listed = [
        f"{label}: {'too few responses' if v is None else shown[i]}"
        for i, (label, v) in enumerate(data)
    ]
    desc = f"Bar chart of {n} {'item' if n == 1 else 'items'}. {_listing(listed, 12, '; ')}."
    return _svg("bar", cid, title, desc, width, height, "".join(out))


# --- heat map -------------------------------------------------------------------------------


def _rgb(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def ramp(t: float) -> str:
    """Colour at t in [0, 1] along HEAT_STOPS (light = low, dark = high)."""
    t = min(max(t, 0.0), 1.0) * (len(HEAT_STOPS) - 1)
    i = min(int(t), len(HEAT_STOPS) - 2)
    a, b = _rgb(HEAT_STOPS[i]), _rgb(HEAT_STOPS[i + 1])
    return "#" + "".join(f"{round(x + (y - x) * (t - i)):02x}" for x, y in zip(a, b, strict=True))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def lum(c: str) -> float:
        ch = [v / 255 for v in _rgb(c)]
        ch = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]

    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _ink(bg: str) -> str:
    # Black or white, whichever contrasts more: the better of the two is always >= 4.58:1.
    return "#000000" if contrast(bg, "#000000") >= contrast(bg, "#ffffff") else "#ffffff"


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Mapping[tuple[str, str], float | None],
    *,
    title: str,
    value_format: str = "{:.0%}",
    low_label: str = "Low",
    high_label: str = "High",
    vmin: float | None = None,
    vmax: float | None = None,
    width: int = 640,
    id_prefix: str | None = None,
) -> Markup:
    """Rows x columns of shaded cells with the value written in. None or missing cells are
    suppressed small numbers: hatched grey with a dash, never shaded as if they were low."""
    cells = {(r, c): _finite(values.get((r, c))) for r in rows for c in columns}
    args = (title, value_format, low_label, high_label, vmin, vmax, width)
    cid = _make_id("heat", id_prefix, (args, tuple(rows), tuple(columns), tuple(cells.items())))
    if not cells:
        return _empty("heat", cid, title, width, 80, NO_DATA)
    known = [v for v in cells.values() if v is not None]
    lo = vmin if vmin is not None else min([0.0, *known])
    hi = vmax if vmax is not None else max([lo, *known])
    hi = hi if hi > lo else lo + 1
    label_w = min(max(_px(_clean(r), 12) for r in rows) + 10, width * 0.3)
    left, right = label_w + 8, 10.0
    cell_w = (width - left - right) / len(columns)
    head_px = max(_px(_truncate(c, 20)) for c in columns)
    slanted = head_px > cell_w - 6
    if slanted:  # slanted headers climb by ~0.7 of their length and lean right as much
        right = max(right, head_px * 0.72 - cell_w / 2 + 10)
        cell_w = (width - left - right) / len(columns)
    top, cell_h = (head_px * 0.72 + 14) if slanted else 22.0, 28.0
    bottom = top + cell_h * len(rows)
    height = bottom + 44
    hatch = f"{cid}-hatch"
    tile = _rect(0, 0, 6, 6, SUPPRESSED) + _line(0, 0, 0, 6, "#c4c4c4", stroke_width=2)
    pattern = _el(
        "pattern",
        tile,
        id=hatch,
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
        patternTransform="rotate(45)",
    )
    out = [f"<defs>{pattern}</defs>", '<g class="labels">']
    for j, c in enumerate(columns):
        cx, y = left + cell_w * (j + 0.5), top - 8
        if slanted:
            rotate = f"rotate(-45 {_num(cx)} {_num(y)})"
            out.append(_text(cx, y, c, fill=MUTED, max_px=20 * 11 * CHAR_W, transform=rotate))
        else:
            out.append(_text(cx, y, c, "middle", fill=MUTED, max_px=cell_w - 4))
    for i, r in enumerate(rows):
        y = top + cell_h * (i + 0.5) + 4
        out.append(_text(left - 8, y, r, "end", size=12, max_px=label_w - 6))
    out += ["</g>", '<g class="cells">']
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            v, x, y = cells[(r, c)], left + cell_w * j, top + cell_h * i
            fill = f"url(#{hatch})" if v is None else ramp((v - lo) / (hi - lo))
            shown = DASH if v is None else _fmt(value_format, v)
            tip = f"{_clean(r)}, {_clean(c)}: {'too few responses' if v is None else shown}"
            out.append(_rect(x, y, cell_w, cell_h, fill, tip, stroke="#ffffff"))
            ink = TEXT if v is None else _ink(fill)
            out.append(_text(x + cell_w / 2, y + 18, shown, "middle", fill=ink, max_px=cell_w - 2))
    low, high = _truncate(low_label, 24), _truncate(high_label, 24)
    ly, lx = bottom + 16, left + _px(low) + 8
    out += ["</g>", '<g class="legend">', _text(left, ly + 11, low, fill=MUTED)]
    out += [_rect(lx + 18 * k, ly, 18, 14, ramp(k / 4)) for k in range(5)]
    lx += 98
    out.append(_text(lx, ly + 11, high, fill=MUTED))
    lx += _px(high) + 24
    out.append(_rect(lx, ly, 18, 14, f"url(#{hatch})"))
    out += [_text(lx + 24, ly + 11, f"{DASH} too few responses", fill=MUTED), "</g>"]

    order = {key: k for k, key in enumerate(cells)}  # ties keep the reading order
    ranked = sorted(
        (k for k, v in cells.items() if v is not None), key=lambda k: (-(cells[k] or 0.0), order[k])
    )

    def say(k: tuple[str, str]) -> str:
        return f"{_clean(k[0])} / {_clean(k[1])} {_fmt(value_format, cells[k] or 0.0)}"

    parts = [
        f"Heat map of {len(rows)} rows by {len(columns)} columns, shaded from "
        f"{low_label} (light) to {high_label} (dark)."
    ]
    if ranked:
        parts += [
            f"Highest: {', '.join(say(k) for k in ranked[:3])}.",
            f"Lowest: {say(ranked[-1])}.",
        ]
    if len(ranked) < len(cells):
        parts.append(f"{len(cells) - len(ranked)} of {len(cells)} cells have too few responses.")
    return _svg("heat", cid, title, " ".join(parts), width, height, "".join(out))


# --- sparkline ------------------------------------------------------------------------------


def sparkline(
    values: Sequence[float | None],
    *,
    title: str,
    width: int = 120,
    height: int = 28,
    value_format: str | None = None,
    id_prefix: str | None = None,
) -> Markup:
    """A tiny trend without axes for a KPI tile; the latest value is marked with a dot."""
    data = [_finite(v) for v in values]
    cid = _make_id("spark", id_prefix, (title, width, height, value_format, data))
    known = [v for v in data if v is not None]
    if not known:
        return _empty("spark", cid, title, width, height, "No data")
    fmt = value_format or _auto_format(known)
    lo, hi, n = min(known), max(known), len(data)

    def sx(i: int) -> float:
        return width / 2 if n == 1 else 3 + i * (width - 6) / (n - 1)

    def sy(v: float) -> float:
        return height / 2 if hi == lo else height - 3 - (v - lo) / (hi - lo) * (height - 6)

    coords = [None if v is None else (sx(i), sy(v)) for i, v in enumerate(data)]
    runs = _gap_runs(coords)
    out = [_polyline(r, stroke=LINE_COLOURS[0], stroke_width=1.5) for r in runs if len(r) > 1]
    # A point between two gaps has no line through it, so it gets a dot to stay visible.
    dots = [r[0] for r in runs if len(r) == 1] + [runs[-1][-1]]
    out += [_el("circle", cx=x, cy=y, r=2.5, fill=LINE_COLOURS[0]) for x, y in dict.fromkeys(dots)]
    if len(known) > 1:
        trend = f"from {_fmt(fmt, known[0])} to {_fmt(fmt, known[-1])}, lowest {_fmt(fmt, lo)}"
        trend += f", highest {_fmt(fmt, hi)}"
    else:
        trend = _fmt(fmt, known[0])
    desc = f"Trend over {n} {'period' if n == 1 else 'periods'}: {trend}"
    if len(known) < n:
        desc += f"; {n - len(known)} with too few responses"
    return _svg("spark", cid, title, desc + ".", width, height, "".join(out))
