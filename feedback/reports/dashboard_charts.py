"""The dashboard's pictures, drawn once for the page and the PDF alike (feedback.reports.charts
does the drawing; this module only decides which figure goes in which chart)."""

from __future__ import annotations

from markupsafe import Markup

from feedback.reports.charts import Series, bar_chart, heat_map, line_chart, sparkline
from feedback.services.dashboard import Dashboard

SOURCE_LABELS = {"survey": "Surveys", "review": "Online reviews", "api": "API", "staff": "Staff"}


def dashboard_charts(board: Dashboard, width: int = 640, height: int = 240) -> dict[str, Markup]:
    charts = {
        "scores": line_chart(
            [
                Series("Net Promoter Score", board.nps_trend),
                Series("Top-box overall rating (%)", board.top_box_trend),
            ],
            title="NPS and top-box over time",
            y_label="Score",
            y_min=-100,
            y_max=100,
            width=width,
            height=height,
            id_prefix="chart-scores",
        ),
        "response_rate": line_chart(
            [Series("Response rate", board.response_rate_trend)],
            title="Survey response rate",
            y_label="% of invitations",
            y_min=0,
            y_max=100,
            value_format="{:.0f}%",
            width=width,
            height=height,
            id_prefix="chart-response",
        ),
        "sentiment": line_chart(
            [
                Series("Positive (%)", board.sentiment_trend["positive"]),
                Series("Negative (%)", board.sentiment_trend["negative"]),
            ],
            title="Sentiment of feedback over time",
            y_label="% of feedback",
            y_min=0,
            y_max=100,
            width=width,
            height=height,
            id_prefix="chart-sentiment",
        ),
        "volume": bar_chart(
            [(SOURCE_LABELS.get(s, s), float(now)) for s, now, _ in board.volume_by_source],
            title="Feedback by source",
            width=width,
            id_prefix="chart-volume",
        ),
        "heat": heat_map(
            board.heat_rows,
            board.heat_columns,
            board.heat_values,
            title="Negative mentions by theme and department",
            value_format="{:.0f}",
            low_label="Few",
            high_label="Many",
            width=width,
            id_prefix="chart-heat",
        ),
        "ratings": line_chart(
            [Series(line.name, line.points) for line in board.ratings],
            title="Online rating by source",
            y_label="Stars",
            y_min=1,
            y_max=5,
            value_format="{:.1f}",
            width=width,
            height=height,
            id_prefix="chart-ratings",
        ),
    }
    spark = {
        "nps": board.nps_trend,
        "top_box": board.top_box_trend,
        "response_rate": board.response_rate_trend,
    }
    for key, points in spark.items():
        charts[f"spark_{key}"] = sparkline(
            [value for _, value in points],
            title=f"Trend of {key.replace('_', ' ')}",
            id_prefix=f"spark-{key.replace('_', '-')}",
        )
    return charts
