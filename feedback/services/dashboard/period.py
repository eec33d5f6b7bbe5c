"""What the dashboard was asked for: a period, its comparison period, and its trend buckets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feedback.auth.roles import CurrentStaff

DEFAULT_DAYS = 90
MAX_DAYS = 731
SOURCES = ("survey", "review", "api", "staff")


class FilterError(ValueError):
    """A filter the dashboard cannot use; the message is for the person who typed it."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length just before: the comparison every figure makes."""
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        """The exclusive end, as a timestamp."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)

    @property
    def bucket_days(self) -> int:
        # About 8 to 30 points on a trend line: days, then weeks, then 30-day "months".
        if self.days <= 31:
            return 1
        if self.days <= 200:
            return 7
        return 30

    def buckets(self) -> list[tuple[str, dt.date]]:
        """(label, first day) of each trend point, from the period's start."""
        step = self.bucket_days
        return [
            (f"{(day := self.start + dt.timedelta(days=i)).day} {day:%b}", day)
            for i in range(0, self.days, step)
        ]

    def bucket_of(self, day: str | dt.date) -> int | None:
        """The bucket a day ('YYYY-MM-DD' from SQLite, a date from PostgreSQL) falls in; None
        outside the period."""
        if not isinstance(day, dt.date):
            day = dt.date.fromisoformat(day)
        offset = (day - self.start).days
        if offset < 0 or offset >= self.days:
            return None
        return offset // self.bucket_days

    def label(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


@dataclass(frozen=True)
class DashboardFilters:
    period: Period
    location_id: int | None = None
    department_id: int | None = None
    source: str | None = None

    @classmethod
    def parse(
        cls,
        start: str | None,
        end: str | None,
        location: str | None = None,
        department: str | None = None,
        source: str | None = None,
        today: dt.date | None = None,
    ) -> DashboardFilters:
        today = today or dt.datetime.now(dt.UTC).date()
        try:
            end_date = dt.date.fromisoformat(end) if end else today
            start_date = (
                dt.date.fromisoformat(start)
                if start
                else end_date - dt.timedelta(days=DEFAULT_DAYS - 1)
            )
        except ValueError:
            raise FilterError("Dates must look like 2026-03-31.") from None
        if end_date < start_date:
            raise FilterError("The end of the period is before its start.")
        if (end_date - start_date).days >= MAX_DAYS:
            raise FilterError("Choose a period of at most two years.")
        return cls(
            period=Period(start_date, end_date),
            location_id=int(location) if location and location.isdigit() else None,
            department_id=int(department) if department and department.isdigit() else None,
            source=source if source in SOURCES else None,
        )

    def scoped(self, viewer: CurrentStaff) -> DashboardFilters:
        """A lead's figures are always their own department's, whatever the form asked for."""
        scope = viewer.department_scope()
        if scope is None:
            return self
        return DashboardFilters(self.period, self.location_id, scope, self.source)

    def query_string(self) -> str:
        from urllib.parse import urlencode

        params = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        if self.location_id:
            params["location"] = str(self.location_id)
        if self.department_id:
            params["department"] = str(self.department_id)
        if self.source:
            params["source"] = self.source
        return urlencode(params)
