"""Fixed-window rate limits counted in the database, so every worker process shares them.

Keys are hashed before they are stored: a client address is personal data and must not sit
in a table in clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from integrations.tables import RateLimitBucket


def _window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


async def hit(key: str, limit: int, window: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Count one request for `key`; False once more than `limit` fall in the current window."""
    now = now or dt.datetime.now(dt.UTC)
    start = _window_start(now, window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:64]
    bucket = f"{digest}:{int(start.timestamp())}"
    rows = await RateLimitBucket.raw(
        "INSERT INTO rate_limit_bucket (bucket, hits, window_start) VALUES ({}, 1, {}) "
        "ON CONFLICT (bucket) DO UPDATE SET hits = rate_limit_bucket.hits + 1 "
        "RETURNING hits",
        bucket,
        start,
    )
    return rows[0]["hits"] <= limit


async def purge_before(cutoff: dt.datetime) -> None:
    await RateLimitBucket.delete().where(RateLimitBucket.window_start < cutoff)
