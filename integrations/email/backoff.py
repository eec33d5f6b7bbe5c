"""Retry delays for the outbox."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

Backoff = Callable[[int], timedelta]


def exponential_backoff(
    base: timedelta = timedelta(seconds=30),
    cap: timedelta = timedelta(hours=1),
    *,
    jitter: float = 0.5,
    rng: Callable[[], float] = random.random,
) -> Backoff:
    """base, 2*base, 4*base … capped, each shortened by up to `jitter` of itself at random, so
    messages that failed together (a server outage) do not all come back in the same second."""

    def backoff(attempt: int) -> timedelta:
        delay = min(cap, base * 2 ** min(max(attempt - 1, 0), 30))
        return delay * (1 - jitter * rng())

    return backoff
