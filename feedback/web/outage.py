"""The database briefly out of reach: a clear 503 with Retry-After, never a 500 with a trace.

Nothing here reconnects by itself, because nothing needs to: asyncpg's pool replaces a closed
connection the next time it is acquired, and the SQLite engine opens a new reader when one
fails, so the first request after the database is back succeeds. What this module adds is the
answer given in between: people get a short page saying what happened and that what they were
saving was not saved; API clients and load balancers get 503 JSON with `Retry-After`.

Only failures that mean "the database cannot be reached or is busy" are recognised; any other
error (a bug, a constraint violation) stays a logged 500, so a real defect is never disguised
as an outage.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from collections.abc import Iterator

from litestar import MediaType, Request, Response
from litestar.response import Template

from feedback.logs import exception_summary, log_event

RETRY_AFTER_SECONDS = 10
OUTAGE_STATUS = 503
OUTAGE_TITLE = "The service is briefly unavailable"
OUTAGE_MESSAGE = (
    "We cannot reach our database just now. Please try again in a minute. "
    "If you were saving something, it was not saved."
)

# SQLSTATE classes that say the server cannot serve this connection: 08 connection exception,
# 57 operator intervention (admin shutdown, crash shutdown, cannot connect now), 53300 too
# many connections.
_POSTGRES_OUTAGE_STATES = ("08", "57", "53300")
# SQLite's words for a file it cannot open or a lock it could not get within the busy timeout.
_SQLITE_OUTAGE_MESSAGES = (
    "database is locked",
    "unable to open database file",
    "disk i/o error",
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or an exception it was raised from) means the database is out of reach."""
    return any(_is_outage(error) for error in _chain(exc))


def outage_response(request: Request, exc: BaseException, wants_json: bool) -> Response:
    log_event(
        "database_unavailable",
        logging.WARNING,
        route=request.scope.get("path_template", ""),
        method=request.method,
        **exception_summary(exc),
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json:
        # The same shape as every other API error, so clients parse one kind of body.
        return Response(
            {"status_code": OUTAGE_STATUS, "detail": OUTAGE_MESSAGE},
            status_code=OUTAGE_STATUS,
            media_type=MediaType.JSON,
            headers=headers,
        )
    return Template(
        template_name="errors/error.html",
        context={
            "status_code": OUTAGE_STATUS,
            "title": OUTAGE_TITLE,
            "detail": OUTAGE_MESSAGE,
            "errors": [],
            # The signed-in person could not be looked up, or may be stale: show no one.
            "staff": None,
            "navigation": [],
            "flash_messages": [],
        },
        status_code=OUTAGE_STATUS,
        headers=headers,
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return any(words in message for words in _SQLITE_OUTAGE_MESSAGES)
    module = type(exc).__module__
    if module.startswith("asyncpg"):
        return _is_postgres_outage(exc)
    # Sockets refused, reset or timed out while asyncpg was connecting or talking to the server.
    # An OSError elsewhere (a template file, an SMTP server) is not the database's.
    return isinstance(exc, OSError) and _raised_in(exc, "asyncpg")


def _is_postgres_outage(exc: BaseException) -> bool:
    import asyncpg

    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", "") or ""
        # Anything the server says while a connection is being set up (database not accepting
        # connections, dropped, renamed) means that connection cannot be had right now.
        return state.startswith(_POSTGRES_OUTAGE_STATES) or _raised_in(exc, "asyncpg/connect_utils")
    message = str(exc).lower()
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        # A server that hangs up while a query is being sent trips asyncpg's protocol state
        # machine ("cannot switch to state 11; another operation (2) is in progress"): the
        # first request after a failover meets it, about one time in four.
        return message.startswith("cannot switch to state")
    if isinstance(exc, asyncpg.InterfaceError):
        # "connection is closed", "pool is closing": the link is gone, not the query wrong.
        return "closed" in message or "closing" in message
    return False


def _raised_in(exc: BaseException, path_part: str) -> bool:
    return any(
        path_part in frame.filename.replace("\\", "/")
        for frame in traceback.extract_tb(exc.__traceback__)
    )
