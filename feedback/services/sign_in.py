"""Brute-force throttling of staff sign-in.

Failures are counted per (email, client address) and per client address, in the database so
every process shares them. A guesser is slowed where it guesses from; the real person signing
in from their own device is not locked out by someone else's failures, and since unknown and
known emails are counted alike, the answer never tells whether an account exists.
"""

from __future__ import annotations

import datetime as dt

from feedback.services.staff import normalise_email
from integrations.ratelimit import hit, hits

FAILURE_WINDOW = dt.timedelta(minutes=15)
FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
# Password spraying: many accounts, one guess each, from one address.
FAILURES_PER_ADDRESS = 30
THROTTLED_MESSAGE = (
    "Too many unsuccessful sign-ins from this device. Wait 15 minutes and try again, or ask "
    "an administrator if you have forgotten your password."
)


def _keys(email: str, client: str) -> tuple[str, str]:
    return f"sign-in:{normalise_email(email)}:{client}", f"sign-in:address:{client}"


async def throttled(email: str, client: str, now: dt.datetime | None = None) -> bool:
    account_key, address_key = _keys(email, client)
    return (
        await hits(account_key, FAILURE_WINDOW, now) >= FAILURES_PER_ACCOUNT_AND_ADDRESS
        or await hits(address_key, FAILURE_WINDOW, now) >= FAILURES_PER_ADDRESS
    )


async def count_failure(email: str, client: str, now: dt.datetime | None = None) -> None:
    account_key, address_key = _keys(email, client)
    await hit(account_key, FAILURES_PER_ACCOUNT_AND_ADDRESS, FAILURE_WINDOW, now)
    await hit(address_key, FAILURES_PER_ADDRESS, FAILURE_WINDOW, now)
