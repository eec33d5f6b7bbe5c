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


def _bucket(key: str, window: dt.timedelta, now: dt.datetime) -> tuple[str, dt.datetime]:
    start = _window_start(now, window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:64]
    return f"{digest}:{int(start.timestamp())}", start


async def hit(key: str, limit: int, window: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Count one request for `key`; False once more than `limit` fall in the current window."""
    bucket, start = _bucket(key, window, now or dt.datetime.now(dt.UTC))
    rows = await RateLimitBucket.raw(
        "INSERT INTO rate_limit_bucket (bucket, hits, window_start) VALUES ({}, 1, {}) "
        "ON CONFLICT (bucket) DO UPDATE SET hits = rate_limit_bucket.hits + 1 "
        "RETURNING hits",
        bucket,
        start,
    )
    return rows[0]["hits"] <= limit


async def hits(key: str, window: dt.timedelta, now: dt.datetime | None = None) -> int:
    """How many times `key` was counted in the current window (without counting this look)."""
    bucket, _ = _bucket(key, window, now or dt.datetime.now(dt.UTC))
    rows = await RateLimitBucket.raw("SELECT hits FROM rate_limit_bucket WHERE bucket = {}", bucket)
    return rows[0]["hits"] if rows else 0


async def purge_before(cutoff: dt.datetime) -> None:
    await RateLimitBucket.delete().where(RateLimitBucket.window_start < cutoff)
