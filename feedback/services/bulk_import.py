"""Bulk import of comments (CSV or JSON Lines): checked, analysed, stored and routed.

Two streaming passes over the file, so memory stays flat whatever its size:

1. `check_file` reads every record and lists every problem by line and field, never quoting a
   value (an import file may hold PHI). If there is any problem, nothing is stored.
2. `import_file` reads the file again and stores it in batches: each batch is one transaction
   (its items and the tickets routing opens for them commit together or not at all). The
   analyzer is the slow part (pure Python, about 3,500 comments/s on one core), so with
   `workers` > 0 it runs in a process pool while this process writes the previous batch.

There is no external-id column yet, so a re-run imports the file again. An interrupted run is
resumed with `resume_after`: the last committed line, which every progress report carries.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedback.services.feedback_items import MAX_TEXT, NewFeedback, item_columns
from feedback.services.routing import RoutingSetup, current_routing, open_tickets
from feedback.tables import FeedbackItem
from integrations.sql import insert_rows
from surveys.tables import Department, Location

FORMATS = ("csv", "jsonl")
IMPORT_SOURCES = ("api", "review", "survey")
FIELDS = (
    "text",
    "id",
    "external_id",
    "rating",
    "rating_scale",
    "location",
    "department",
    "received_at",
    "question",
)
MAX_ID = 200
MAX_QUESTION = 500
MAX_SCALE = 100
BATCH_SIZE = 500
# Batches handed to the pool ahead of the writer: enough to keep every worker busy, few enough
# that memory does not grow with the file.
AHEAD_PER_WORKER = 2


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ImportRejected(ValueError):
    """The file has problems; nothing was stored."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        super().__init__(f"{total} problem(s) in the file; nothing was imported")
        self.problems = problems
        self.total = total


@dataclass(frozen=True)
class References:
    """Slugs an import may name, mapped to their ids (small tables, loaded once)."""

    locations: dict[str, int]
    departments: dict[str, int]


@dataclass(frozen=True)
class Progress:
    items: int
    tickets: int
    last_line: int  # the last line whose item is committed: resume after it
    seconds: float

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0


async def load_references() -> References:
    locations = await Location.select(Location.id, Location.slug)
    departments = await Department.select(Department.id, Department.slug)
    return References(
        locations={row["slug"]: row["id"] for row in locations},
        departments={row["slug"]: row["id"] for row in departments},
    )


# --- reading ----------------------------------------------------------------------------------


def _records(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    """(line number, raw record) for each record, or a Problem where a record cannot be read."""
    if fmt == "jsonl":
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
                except UnicodeDecodeError:
                    yield number, Problem(number, "", "not valid UTF-8")
                    continue
                except ValueError:
                    yield number, Problem(number, "", "not a valid JSON object")
                    continue
                if not isinstance(record, dict):
                    yield number, Problem(number, "", "not a valid JSON object")
                    continue
                yield number, record
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
            unknown = [name for name in header if name not in FIELDS]
            for name in unknown:
                yield 1, Problem(1, name, "unknown column (expected: " + ", ".join(FIELDS) + ")")
            if "text" not in header:
                yield 1, Problem(1, "text", "the header has no text column")
                return
            start = reader.line_num + 1
            for row in reader:
                if None in row:  # more cells than header columns
                    yield start, Problem(start, "", "more cells than the header has columns")
                else:
                    yield (
                        start,
                        {key: value for key, value in row.items() if value not in ("", None)},
                    )
                start = reader.line_num + 1
        except UnicodeDecodeError:
            yield reader.line_num + 1, Problem(reader.line_num + 1, "", "not valid UTF-8")
        except csv.Error:
            yield reader.line_num, Problem(reader.line_num, "", "malformed CSV")


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    # A bare date or a time without zone is read as UTC: imports come from many systems and
    # UTC is the one reading that does not depend on where the import runs.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _parse(
    number: int, record: dict[str, Any], source: str, refs: References
) -> NewFeedback | list[Problem]:
    """The feedback a record describes, or every problem with it (values are never quoted)."""
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(number, field, message))

    for name in record:
        if name not in FIELDS:
            problem(str(name)[:40], "unknown field")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        problem("text", "required: the comment")
    elif len(text) > MAX_TEXT:
        problem("text", f"longer than {MAX_TEXT} characters")
    for key in ("id", "external_id"):
        value = record.get(key)
        if value is not None and (not isinstance(value, (str, int)) or len(str(value)) > MAX_ID):
            problem(key, f"must be a string of at most {MAX_ID} characters")
    question = record.get("question")
    if question is not None and (not isinstance(question, str) or len(question) > MAX_QUESTION):
        problem("question", f"must be a string of at most {MAX_QUESTION} characters")
    rating = scale = None
    if record.get("rating_scale") is not None:
        scale = _integer(record["rating_scale"])
        if scale is None or not 1 <= scale <= MAX_SCALE:
            problem("rating_scale", f"must be a whole number from 1 to {MAX_SCALE}")
            scale = None
    if record.get("rating") is not None:
        rating = _integer(record["rating"])
        if rating is None:
            problem("rating", "must be a whole number")
        elif record.get("rating_scale") is None:
            problem("rating", "needs a rating_scale (e.g. 5 or 10)")
        elif scale is not None and not 0 <= rating <= scale:
            problem("rating", f"must be between 0 and the rating_scale ({scale})")
    location_id = department_id = None
    if record.get("location") is not None:
        location_id = refs.locations.get(str(record["location"]).strip())
        if location_id is None:
            problem("location", "no location has this slug")
    if record.get("department") is not None:
        department_id = refs.departments.get(str(record["department"]).strip())
        if department_id is None:
            problem("department", "no department has this slug")
    received_at = None
    if record.get("received_at") is not None:
        received_at = _timestamp(record["received_at"])
        if received_at is None:
            problem("received_at", "must be an ISO 8601 date or date-time")
    if problems:
        return problems
    return NewFeedback(
        source=source,
        text=str(text),
        question=question,
        rating=rating,
        rating_scale=scale,
        location_id=location_id,
        department_id=department_id,
        received_at=received_at,
    )


def check_file(path: Path, fmt: str, source: str, refs: References) -> Iterator[Problem]:
    """Every problem in the file, in order (a streaming pass that stores nothing)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if source not in IMPORT_SOURCES:
        raise ValueError(f"source must be one of {', '.join(IMPORT_SOURCES)}")
    empty = True
    for number, record in _records(path, fmt):
        empty = False
        if isinstance(record, Problem):
            yield record
            continue
        parsed = _parse(number, record, source, refs)
        if isinstance(parsed, list):
            yield from parsed
    if empty:
        yield Problem(0, "", "no records")


def _feedback(
    path: Path, fmt: str, source: str, refs: References, resume_after: int
) -> Iterator[tuple[int, NewFeedback]]:
    for number, record in _records(path, fmt):
        if number <= resume_after:
            continue
        parsed = _parse(number, record, source, refs) if isinstance(record, dict) else record
        if not isinstance(parsed, NewFeedback):
            # check_file passed, so the file changed under us: stop rather than guess.
            raise ImportRejected([Problem(number, "", "the file changed during the import")], 1)
        yield number, parsed


# --- analysis (runs in worker processes when asked) --------------------------------------------


def analyse_batch(batch: list[NewFeedback]) -> list[dict[str, Any]]:
    """Module-level so a process pool can pickle it."""
    return [item_columns(new) for new in batch]


def default_workers() -> int:
    """Analysis processes for a run: none on one core (a pool would only add pickling)."""
    cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, 2)


def _new_pool(workers: int) -> Executor:
    # spawn, not fork: the parent holds an event loop and database connections that a forked
    # child must not inherit.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


# --- writing ----------------------------------------------------------------------------------


async def _store(columns: list[dict[str, Any]], routing: RoutingSetup) -> int:
    """Insert one batch and route it, in one transaction; the number of tickets opened."""
    async with FeedbackItem._meta.db.transaction():
        ids = await insert_rows(FeedbackItem, columns)
        items = [{**values, "id": item_id} for values, item_id in zip(columns, ids, strict=True)]
        return len(await open_tickets(items, routing=routing))


def _batches(
    rows: Iterator[tuple[int, NewFeedback]], size: int
) -> Iterator[tuple[int, list[NewFeedback]]]:
    batch: list[NewFeedback] = []
    last = 0
    for number, new in rows:
        batch.append(new)
        last = number
        if len(batch) >= size:
            yield last, batch
            batch = []
    if batch:
        yield last, batch


async def import_file(
    path: Path,
    fmt: str,
    source: str = "api",
    *,
    batch_size: int = BATCH_SIZE,
    workers: int = 0,
    resume_after: int = 0,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Check the whole file, then store it batch by batch; raises ImportRejected (with every
    problem, nothing stored) when the file has any problem."""
    refs = await load_references()
    problems: list[Problem] = []
    total = 0
    for problem in check_file(path, fmt, source, refs):
        total += 1
        if len(problems) < 1000:  # listed; the rest are counted, so memory stays bounded
            problems.append(problem)
    if total:
        raise ImportRejected(problems, total)

    # Rules are read once: the whole import is routed by the rules in force when it started.
    routing = await current_routing()
    started = time.perf_counter()
    items = tickets = last_line = 0
    batches = _batches(_feedback(path, fmt, source, refs, resume_after), batch_size)
    pool = _new_pool(workers) if workers > 0 else None
    loop = asyncio.get_running_loop()
    pending: deque[tuple[int, asyncio.Future[list[dict[str, Any]]]]] = deque()
    try:
        for last, batch in batches:
            if pool is None:
                tickets += await _store(analyse_batch(batch), routing)
                items += len(batch)
                last_line = last
            else:
                pending.append((last, loop.run_in_executor(pool, analyse_batch, batch)))
                if len(pending) < workers * AHEAD_PER_WORKER:
                    continue
                last_line, future = pending.popleft()
                columns = await future
                tickets += await _store(columns, routing)
                items += len(columns)
            if on_progress:
                on_progress(Progress(items, tickets, last_line, time.perf_counter() - started))
        while pending:
            last_line, future = pending.popleft()
            columns = await future
            tickets += await _store(columns, routing)
            items += len(columns)
            if on_progress:
                on_progress(Progress(items, tickets, last_line, time.perf_counter() - started))
    finally:
        for _, future in pending:
            future.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return Progress(items, tickets, last_line, time.perf_counter() - started)
