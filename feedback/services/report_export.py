"""What the PDF and the CSV add to the dashboard: quoted comments, scrubbed, and the figures
as spreadsheet rows. Aggregates only; a theme mentioned by 1-10 patients is never quoted."""

from __future__ import annotations

from collections.abc import Iterator

from feedback.metrics import SMALL_CELL_MAX, Figure
from feedback.reports.scrub import scrub_comment
from feedback.services import aggregate_sql as sql
from feedback.services.dashboard import Dashboard, theme_label
from feedback.tables import StaffUser
from integrations.crypto import KeyRing
from integrations.db_values import loaded
from integrations.spreadsheet import csv_safe
from surveys.sealed_text import opened_text

QUOTED_THEMES = 3
QUOTES_PER_THEME = 3
CANDIDATES = 30  # recent comments read per theme to find readable ones


async def representative_comments(
    board: Dashboard, keyring: KeyRing
) -> list[tuple[str, int, list[str]]]:
    """(theme label, mentions, up to three scrubbed comments) for the top negative themes;
    sealed comments are opened to be scrubbed and quoted."""
    filters, period = board.filters, board.period
    names = [row["display_name"] for row in await StaffUser.select(StaffUser.display_name)]
    out = []
    for theme, mentions, _ in board.top_themes[:QUOTED_THEMES]:
        if mentions <= SMALL_CELL_MAX:
            continue
        where = (
            sql.Where()
            .add("f.received_at >= {}", period.start_at)
            .add("f.received_at < {}", period.end_at)
            .add("f.sentiment IN ('negative', 'mixed')")
            .add("CAST(f.themes AS TEXT) LIKE {}", f'%"{theme}"%')
            .add_scope("f", filters.location_id, filters.department_id, filters.source)
        )
        rows = await sql.rows(
            "SELECT f.text AS text, f.crypto_id AS crypto_id, f.themes AS themes "  # noqa: S608
            f"FROM feedback_item f WHERE {where.sql} "
            "ORDER BY f.received_at DESC LIMIT {}",
            *where.args,
            CANDIDATES,
        )
        quotes: list[str] = []
        for row in rows:
            negative = any(
                t.get("theme") == theme and t.get("sentiment") == "negative"
                for t in loaded(row["themes"] or "[]")
            )
            text = scrub_comment(opened_text(keyring, row), names, max_chars=240)
            if negative and len(text) >= 20 and text not in quotes:
                quotes.append(text)
            if len(quotes) == QUOTES_PER_THEME:
                break
        out.append((theme_label(theme), mentions, quotes))
    return out


def _value(figure: Figure) -> str:
    return "" if figure.value is None else f"{figure.value:g}"


def figures_rows(board: Dashboard) -> Iterator[list[str]]:
    """The dashboard's figures, one per row, with the previous period and the sample sizes;
    every cell passes csv_safe (a department named "=cmd()" stays text)."""
    previous = board.period.previous
    yield [
        "section",
        "figure",
        f"value {board.period.start}..{board.period.end}",
        "n",
        f"previous {previous.start}..{previous.end}",
        "previous n",
        "change",
    ]

    def row(section: str, label: str, current: Figure, before: Figure) -> list[str]:
        change = (
            ""
            if current.value is None or before.value is None
            else f"{current.value - before.value:+.1f}"
        )
        cells = [section, label, _value(current), current.n, _value(before), before.n, change]
        return [csv_safe(cell) for cell in cells]

    for kpi in board.kpis:
        yield row("key figures", kpi.label, kpi.change.current, kpi.change.previous)
    for group, change in board.retention.items():
        label = f"Return visit within 12 months: {group}s"
        yield row("retention", label, change.current, change.previous)
    for line in board.ratings:
        yield row("online rating", line.name, line.change.current, line.change.previous)
    for source, now_n, before in board.volume_by_source:
        yield row("feedback by source", source, Figure(now_n, now_n), Figure(before, before))
    for theme, now_n, before in board.top_themes:
        label = f"Negative mentions: {theme_label(theme)}"
        yield row("themes", label, _count(now_n), _count(before))
    for (theme, department), value in sorted(board.heat_values.items()):
        cell = Figure(value, int(value) if value is not None else 0)
        yield row("theme by department", f"{theme} / {department}", cell, Figure(None, 0))
    for department, count in board.overdue:
        yield row("overdue tickets", department, _count(count), Figure(None, 0))


def _count(n: int | None) -> Figure:
    """A count, withheld (blank) when it is 1-10 patients."""
    if n is None or 1 <= n <= SMALL_CELL_MAX:
        return Figure(None, 0)
    return Figure(n, n)
