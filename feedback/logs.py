"""Structured (JSON) logging that never carries PHI.

Log records name routes by their template (`/s/{token}`), never by the requested path, and
exceptions by type and code location only: database errors quote the offending values in
their messages, and those values can be a patient's.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from typing import Any

LOGGER_NAME = "feedback"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        return json.dumps(payload, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Uvicorn's access log prints raw paths and query strings; our request log replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    # aiosqlite logs every statement with its parameters at DEBUG: values a patient typed.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    logging.getLogger(LOGGER_NAME).log(level, event, extra={"fields": fields})


def exception_summary(exc: BaseException) -> dict[str, Any]:
    """The type and the code locations of an exception, without its message."""
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "frames": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames[-8:]],
    }
