"""Reading reviews from an uploaded CSV file: every row checked, every problem reported,
nothing imported unless the whole file is good. Pure.

Problems name the row and the column, never the value: a review's words or its author's name
may identify a patient, and these reports are shown on screens and may be logged. Rows are
numbered as a spreadsheet shows them: the header is row 1, the first review row 2.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from integrations.reviews.records import (
    MAX_TEXT_CHARS,
    ReviewRecord,
    clean_text,
    normalise_rating,
    parse_timestamp,
)

COLUMNS = ("text", "rating", "rating_scale", "author", "date", "url", "id")
# Other names people give the same column in their exports.
ALIASES = {"best": "rating_scale", "best_rating": "rating_scale"}
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_AUTHOR_CHARS = 200
MAX_ID_CHARS = 180  # ReviewRecord.identity keeps this much of an id
# A review dated "tomorrow" may be today somewhere east of here; more than that is a typo.
FUTURE_TOLERANCE = timedelta(days=1)


class CsvProblem(NamedTuple):
    row: int  # 1 = the header line, so the first review is row 2, as in a spreadsheet
    column: str  # "" when the problem is the whole row or the whole file
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ReviewCsvError(ValueError):
    """The file cannot be imported; `problems` lists everything to fix, in row order."""

    def __init__(self, problems: list[CsvProblem]) -> None:
        self.problems = problems
        shown = "; ".join(str(problem) for problem in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"the review file has {len(problems)} problem(s): {shown}{more}")


def parse_review_csv(data: bytes, *, now: datetime | None = None) -> list[ReviewRecord]:
    """Every review in the file, or `ReviewCsvError` listing every problem found.

    Columns: `text` (required; a row may leave it empty only if it gives a rating), `rating`
    (1 to `rating_scale`, which defaults to 5), `author`, `date` (ISO date or date-time, UTC
    unless it says otherwise), `url`, `id`. Unknown columns are ignored."""
    now = now or datetime.now(UTC)
    rows, header = _open(data)
    records: list[ReviewRecord] = []
    problems: list[CsvProblem] = []
    seen_ids: dict[str, int] = {}
    row_number = 1
    try:
        for row_number, cells in enumerate(rows, start=2):
            if row_number - 1 > MAX_ROWS:
                problems.append(CsvProblem(row_number, "", f"more than {MAX_ROWS} rows; split it"))
                break
            if len(cells) > len(header):
                problems.append(CsvProblem(row_number, "", "has more cells than the header"))
                continue
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
            if not any(values.values()):
                continue  # a blank line
            record, row_problems = _read_row(row_number, values, now)
            problems.extend(row_problems)
            problems.extend(_check_id(row_number, values.get("id", ""), seen_ids))
            if record is not None:
                records.append(record)
    except csv.Error as error:
        # The csv module's messages describe the syntax ("field larger than field limit"),
        # never the data.
        problems.append(CsvProblem(row_number + 1, "", f"is not readable as CSV ({error})"))
    if not records and not problems:
        problems.append(CsvProblem(2, "", "the file has no reviews"))
    if problems:
        raise ReviewCsvError(problems)
    return records


def _open(data: bytes) -> tuple[Iterator[list[str]], list[str]]:
    """The row reader after the header, and the header's normalised column names."""
    if len(data) > MAX_BYTES:
        raise ReviewCsvError(
            [CsvProblem(0, "", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\x00"  # reported just below, with the same advice
    # NUL never appears in text; it does in UTF-16 ("Unicode Text") exports and binary files.
    if "\x00" in text:
        raise ReviewCsvError(
            [CsvProblem(0, "", "the file is not UTF-8 text (save it as CSV UTF-8)")]
        )
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(rows, None)
    except csv.Error as error:
        raise ReviewCsvError([CsvProblem(1, "", f"is not readable as CSV ({error})")]) from None
    if not first or not any(cell.strip() for cell in first):
        raise ReviewCsvError([CsvProblem(1, "", "the file is empty; it needs a header row")])
    header = [ALIASES.get(name, name) for name in (cell.strip().lower() for cell in first)]
    problems = [
        CsvProblem(1, name, "appears more than once in the header")
        for index, name in enumerate(header)
        if name and name in header[:index]
    ]
    if "text" not in header:
        problems.insert(
            0, CsvProblem(1, "", f"missing column: text; expected {', '.join(COLUMNS)}")
        )
    if problems:
        raise ReviewCsvError(problems)
    return rows, header


def _read_row(
    row: int, values: dict[str, str], now: datetime
) -> tuple[ReviewRecord | None, list[CsvProblem]]:
    text = " ".join(values.get("text", "").split())
    problems: list[CsvProblem] = []
    if len(text) > MAX_TEXT_CHARS:
        problems.append(CsvProblem(row, "text", f"is longer than {MAX_TEXT_CHARS} characters"))
    rating, rating_problems = _rating(row, values.get("rating", ""), values.get("rating_scale", ""))
    problems.extend(rating_problems)
    if not text and not values.get("rating"):
        problems.append(CsvProblem(row, "text", "is required (or give a rating)"))
    published_at = _date(row, values.get("date", ""), now, problems)
    url = values.get("url", "")
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc):
        problems.append(CsvProblem(row, "url", "is not a web address starting with https://"))
    author = " ".join(values.get("author", "").split())
    if len(author) > MAX_AUTHOR_CHARS:
        problems.append(CsvProblem(row, "author", f"is longer than {MAX_AUTHOR_CHARS} characters"))
    if problems:
        return None, problems
    record = ReviewRecord(
        text=clean_text(text),
        rating=rating,
        author=author,
        published_at=published_at,
        url=url,
        external_id=values.get("id", ""),
    )
    return record, []


def _rating(row: int, rating_text: str, scale_text: str) -> tuple[float | None, list[CsvProblem]]:
    best = 5.0
    if scale_text:
        try:
            best = float(scale_text.replace(",", "."))
        except ValueError:
            best = math.nan
        if not (math.isfinite(best) and best > 1):
            message = "must be a number greater than 1, like 5 or 10"
            return None, [CsvProblem(row, "rating_scale", message)]
    if not rating_text:
        return None, []
    rating = normalise_rating(rating_text, best)
    if rating is None:
        return None, [CsvProblem(row, "rating", f"must be a number from 1 to {best:g}")]
    return rating, []


def _date(row: int, value: str, now: datetime, problems: list[CsvProblem]) -> datetime | None:
    if not value:
        return None
    published_at = parse_timestamp(value)
    if published_at is None:
        problems.append(
            CsvProblem(row, "date", "is not a date like 2026-03-31 or 2026-03-31T14:05:00")
        )
    elif published_at > now + FUTURE_TOLERANCE:
        problems.append(CsvProblem(row, "date", "is in the future"))
    return published_at


def _check_id(row: int, review_id: str, seen_ids: dict[str, int]) -> list[CsvProblem]:
    if not review_id:
        return []
    if len(review_id) > MAX_ID_CHARS:
        return [CsvProblem(row, "id", f"is longer than {MAX_ID_CHARS} characters")]
    if review_id in seen_ids:
        message = f"the same review id is already on row {seen_ids[review_id]}"
        return [CsvProblem(row, "id", message)]
    seen_ids[review_id] = row
    return []
