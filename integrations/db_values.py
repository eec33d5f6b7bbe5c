"""Values as the database hands them back, made uniform across engines.

SQLite returns timestamps without a time zone and JSON columns as text; PostgreSQL returns
aware datetimes and decoded JSON. Every floor reads through these, so code above never cares
which engine answered.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (all timestamps are stored in UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def loaded(value: Any) -> Any:
    """A JSON column's value, decoded if the engine returned text."""
    return json.loads(value) if isinstance(value, str) else value
