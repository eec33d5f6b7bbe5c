"""Fixed-window rate limits counted in the database, so every worker process shares them.

Keys are hashed before they are stored: a client address is personal data and must not sit
in a table in clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from integrations.sql import InsertPlan, point_read
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
    return (await hit_each([key], window, now))[0] <= limit


async def hit_each(
    keys: Sequence[str], window: dt.timedelta, now: dt.datetime | None = None
) -> list[int]:
    """Count one request for each key (one statement); their counts in the window, in order.
    The keys must differ (one row cannot be updated twice by one statement)."""
    buckets = _buckets(keys, window, now)
    rows = await RateLimitBucket.raw(*_count_statement(buckets))
    counted = {row["bucket"]: row["hits"] for row in rows}
    return [counted[bucket] for bucket, _ in buckets]


def plan_hits(
    plan: InsertPlan, keys: Sequence[str], window: dt.timedelta, now: dt.datetime | None = None
) -> None:
    """Count one request for each key as part of `plan` (written whether or not its claim
    holds), so that the count commits with what the request stored."""
    plan.execute(RateLimitBucket, *_count_statement(_buckets(keys, window, now)))


def _buckets(
    keys: Sequence[str], window: dt.timedelta, now: dt.datetime | None
) -> list[tuple[str, dt.datetime]]:
    return [_bucket(key, window, now or dt.datetime.now(dt.UTC)) for key in keys]


def _count_statement(buckets: Sequence[tuple[str, dt.datetime]]) -> tuple[Any, ...]:
    # Only placeholders are joined into the SQL; every value is a parameter.
    sql = (
        "INSERT INTO rate_limit_bucket (bucket, hits, window_start) VALUES "  # noqa: S608
        + ", ".join("({}, 1, {})" for _ in buckets)
        + " ON CONFLICT (bucket) DO UPDATE SET hits = rate_limit_bucket.hits + 1 "
        "RETURNING bucket, hits"
    )
    return (sql, *(value for pair in buckets for value in pair))


async def hits(key: str, window: dt.timedelta, now: dt.datetime | None = None) -> int:
    """How many times `key` was counted in the current window (without counting this look)."""
    return (await hits_each([key], window, now))[0]


async def hits_each(
    keys: Sequence[str], window: dt.timedelta, now: dt.datetime | None = None
) -> list[int]:
    """The counts of several keys in the current window (one query, counting nothing)."""
    buckets = [_bucket(key, window, now or dt.datetime.now(dt.UTC))[0] for key in keys]
    rows = await point_read(
        RateLimitBucket.raw(
            "SELECT bucket, hits FROM rate_limit_bucket WHERE bucket IN ("  # noqa: S608
            + ", ".join("{}" for _ in buckets)
            + ")",
            *buckets,
        )
    )
    counted = {row["bucket"]: row["hits"] for row in rows}
    return [counted.get(bucket, 0) for bucket in buckets]


async def purge_before(cutoff: dt.datetime) -> None:
    await RateLimitBucket.delete().where(RateLimitBucket.window_start < cutoff)
