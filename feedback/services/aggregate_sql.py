"""The few places where SQLite and PostgreSQL spell an aggregate differently (dashboard, PDF,
closed-loop figures).

The dashboard groups in the database (by day, by hour of delay, by theme inside the JSON
column) and hands Python only the grouped counts, so its memory does not grow with the table.
Those groupings need dialect-specific expressions; they live here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.postgres import PostgresEngine

from feedback.tables import FeedbackItem


def postgres() -> bool:
    return isinstance(FeedbackItem._meta.db, PostgresEngine)


def day(column: str) -> str:
    """The UTC calendar day of a timestamp, as 'YYYY-MM-DD' text on both engines (SQLite
    stores UTC timestamps as ISO text, so its first ten characters are the day)."""
    if postgres():
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return f"substr({column}, 1, 10)"


def day_value(column: str) -> str:
    """The UTC calendar day of a timestamp as a value for a DATE column (summary tables)."""
    if postgres():
        return f"CAST(({column} AT TIME ZONE 'UTC') AS date)"
    return f"substr({column}, 1, 10)"


def whole_hours(later: str, earlier: str) -> str:
    if postgres():
        return f"CAST(floor(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600) AS INTEGER)"
    return f"CAST((julianday({later}) - julianday({earlier})) * 24 AS INTEGER)"


def days_after(date_column: str, days: int) -> str:
    if postgres():
        return f"({date_column} + {int(days)})"
    return f"date({date_column}, '+{int(days)} days')"


def themes_join(alias: str) -> tuple[str, str, str]:
    """A FROM item that yields one row per theme of `alias`.themes, and the expressions for
    that theme's name and sentiment."""
    if postgres():
        return (
            f"json_array_elements({alias}.themes) AS t",
            "t ->> 'theme'",
            "t ->> 'sentiment'",
        )
    return (
        f"json_each({alias}.themes) AS t",
        "json_extract(t.value, '$.theme')",
        "json_extract(t.value, '$.sentiment')",
    )


async def rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one aggregate (placeholders are `{}`). It must start with SELECT: the SQLite engine
    sends only those to its reader pool."""
    return await FeedbackItem.raw(sql, *args)


class Where:
    """AND-ed conditions with their arguments, built in the order they are added."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list[Any] = []

    def add(self, condition: str, *args: Any) -> Where:
        self.parts.append(condition)
        self.args.extend(args)
        return self

    def add_if(self, value: Any, condition: str) -> Where:
        return self.add(condition, value) if value is not None else self

    def add_scope(
        self,
        alias: str,
        location_id: int | None,
        department_id: int | None,
        source: str | None = None,
    ) -> Where:
        """The dashboard's filters on `alias`'s location, department and source columns."""
        self.add_if(location_id, f"{alias}.location = {{}}")
        self.add_if(department_id, f"{alias}.department = {{}}")
        return self.add_if(source, f"{alias}.source = {{}}")

    @property
    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "1 = 1"
