"""Reading visits from a CSV file: every row checked, every problem reported. Pure.

Problems name the row and the column, never the value: a value may be a patient's name,
email or record number, and these reports are shown on screens and may be logged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

COLUMNS = (
    "external_id",
    "mrn",
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_language",
    "visit_date",
    "visit_type",
    "location",
    "department",
    "provider_name",
)
REQUIRED = (
    "mrn",
    "given_name",
    "family_name",
    "visit_date",
    "visit_type",
    "location",
    "department",
)
VISIT_TYPES = ("clinic", "outpatient", "emergency", "inpatient", "telehealth")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class VisitRow:
    """One visit as imported; the same shape the FHIR Bundle import produces."""

    external_id: str | None
    mrn: str
    given_name: str
    family_name: str
    email: str
    phone: str
    preferred_language: str
    visit_date: dt.date
    visit_type: str
    location: str
    department: str
    provider_name: str


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1 = the header line, so the first visit is row 2, as in a spreadsheet
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def read_visit_csv(
    content: bytes,
    known_locations: set[str],
    known_departments: set[str],
    today: dt.date | None = None,
) -> tuple[list[VisitRow], list[RowProblem]]:
    today = today or dt.date.today()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowProblem(0, "", "the file is not UTF-8 text (save it as CSV UTF-8)")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return [], [
            RowProblem(
                1, "", f"missing column(s): {', '.join(missing)}; expected {', '.join(COLUMNS)}"
            )
        ]
    reader.fieldnames = header
    rows: list[VisitRow] = []
    problems: list[RowProblem] = []
    seen_ids: dict[str, int] = {}
    for line_number, raw in enumerate(reader, start=2):
        if line_number - 1 > MAX_ROWS:
            problems.append(RowProblem(line_number, "", f"more than {MAX_ROWS} rows; split it"))
            break
        if None in raw:
            problems.append(RowProblem(line_number, "", "has more cells than the header"))
            continue
        values = {key: (value or "").strip() for key, value in raw.items()}
        if not any(values.values()):
            continue  # blank line
        row_problems = _check_row(line_number, values, known_locations, known_departments, today)
        external_id = values.get("external_id") or None
        if external_id:
            if external_id in seen_ids:
                row_problems.append(
                    RowProblem(
                        line_number,
                        "external_id",
                        f"the same visit id is already on row {seen_ids[external_id]}",
                    )
                )
            seen_ids.setdefault(external_id, line_number)
        problems.extend(row_problems)
        if not row_problems:
            rows.append(
                VisitRow(
                    external_id=external_id,
                    mrn=values["mrn"],
                    given_name=values["given_name"],
                    family_name=values["family_name"],
                    email=values.get("email", "").lower(),
                    phone=values.get("phone", ""),
                    preferred_language=(values.get("preferred_language") or "en").lower(),
                    visit_date=dt.date.fromisoformat(values["visit_date"]),
                    visit_type=values["visit_type"].lower(),
                    location=values["location"],
                    department=values["department"],
                    provider_name=values.get("provider_name", ""),
                )
            )
    if not rows and not problems:
        problems.append(RowProblem(2, "", "the file has no visits"))
    return rows, problems


def _check_row(
    line: int,
    values: dict[str, str],
    locations: set[str],
    departments: set[str],
    today: dt.date,
) -> list[RowProblem]:
    problems = [
        RowProblem(line, column, "is required") for column in REQUIRED if not values.get(column)
    ]
    date_text = values.get("visit_date", "")
    if date_text:
        try:
            if dt.date.fromisoformat(date_text) > today:
                problems.append(RowProblem(line, "visit_date", "is in the future"))
        except ValueError:
            problems.append(RowProblem(line, "visit_date", "is not a date like 2026-03-31"))
    visit_type = values.get("visit_type", "").lower()
    if visit_type and visit_type not in VISIT_TYPES:
        problems.append(RowProblem(line, "visit_type", f"must be one of {', '.join(VISIT_TYPES)}"))
    if values.get("location") and values["location"] not in locations:
        problems.append(RowProblem(line, "location", "is not a known location code"))
    if values.get("department") and values["department"] not in departments:
        problems.append(RowProblem(line, "department", "is not a known department code"))
    if values.get("email") and not EMAIL.match(values["email"]):
        problems.append(RowProblem(line, "email", "is not a valid email address"))
    language = values.get("preferred_language", "").lower()
    if language and language not in ("en", "es"):
        problems.append(RowProblem(line, "preferred_language", "must be en or es"))
    return problems
