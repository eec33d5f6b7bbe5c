"""The executive dashboard: figures for a period compared with the one before, scoped to what
the viewer may see (a lead: their department), aggregated in the database."""

from feedback.services.dashboard.build import Dashboard, Kpi, RatingLine, dashboard_for, theme_label
from feedback.services.dashboard.period import DashboardFilters, FilterError, Period

__all__ = [
    "Dashboard",
    "DashboardFilters",
    "FilterError",
    "Kpi",
    "Period",
    "RatingLine",
    "dashboard_for",
    "theme_label",
]
