"""CSV cells that are safe to open in a spreadsheet."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """Text that a spreadsheet shows as text: a cell starting with = + - @ (or a tab or
    carriage return) would otherwise run as a formula, so it gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
