"""Review CSV uploads: all rows good, or every problem named by row and column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from integrations.reviews.csv_import import CsvProblem, ReviewCsvError, parse_review_csv
from integrations.reviews.records import ReviewRecord

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def problems_of(data: bytes) -> list[tuple[int, str, str]]:
    with pytest.raises(ReviewCsvError) as caught:
        parse_review_csv(data, now=NOW)
    return [tuple(problem) for problem in caught.value.problems]


def test_a_good_export_with_bom_scales_and_dates() -> None:
    data = (
        "\ufeffText, Rating ,rating_scale,Author,date,url,id,ward\r\n"
        '"The night nurse on 5 North checked on my mother every hour.",9,10,"Ana P.",'
        "2024-05-02,https://reviews.example.org/r/17,r-17,5N\r\n"
        '"Waited 3 hours, then sent home without a scan",2,,Bill,'
        "2024-05-03T18:45:00-04:00,,,ED\r\n"
        ",4,,,2024-05-04T09:00:00,,,\r\n"
        ",,,,,,,\r\n"
        "\r\n"
        '"Food was cold,\nbut the porters were lovely",3.5,,,,,,\r\n'
    ).encode()

    assert parse_review_csv(data, now=NOW) == [
        ReviewRecord(
            text="The night nurse on 5 North checked on my mother every hour.",
            rating=4.56,  # 9 of 1-10
            author="Ana P.",
            published_at=datetime(2024, 5, 2, tzinfo=UTC),
            url="https://reviews.example.org/r/17",
            external_id="r-17",
        ),
        ReviewRecord(
            text="Waited 3 hours, then sent home without a scan",
            rating=2.0,
            author="Bill",
            published_at=datetime(2024, 5, 3, 18, 45, tzinfo=timezone(timedelta(hours=-4))),
        ),
        # A rating alone is feedback too; blank lines are skipped.
        ReviewRecord(text="", rating=4.0, published_at=datetime(2024, 5, 4, 9, 0, tzinfo=UTC)),
        ReviewRecord(text="Food was cold, but the porters were lovely", rating=3.5),
    ]


def test_best_is_accepted_for_the_rating_scale_column() -> None:
    data = b"text,rating,best\nVery clean,80,100\n"

    [record] = parse_review_csv(data, now=NOW)
    assert record.rating == 4.19  # 1 + 4 * 79 / 99


def test_every_row_problem_is_reported_without_cell_values() -> None:
    data = (
        "text,rating,rating_scale,author,date,url,id\n"
        "Dr. Reyes told me about my HIV result in the hallway,6,,,,,\n"  # row 2
        "Fine,4,1,,,,\n"  # row 3
        "Fine,,,,,,\n"  # row 4: good
        ",,,Jo Secret,,,\n"  # row 5
        "Fine,,,,31/05/2024,,\n"  # row 6
        "Fine,,,,2024-06-05,,\n"  # row 7
        "Fine,,,,,www.example.org/r/1,\n"  # row 8
        "Fine,,,,,,dup-1\n"  # row 9: good
        "Fine again,,,,,,dup-1\n"  # row 10
        "Fine,,,,,,,extra cell\n"  # row 11
        "Fine,four,ten,,,,\n"  # row 12
        f"Fine,,,{'x' * 201},,,\n"  # row 13
    ).encode()

    problems = problems_of(data)
    assert problems == [
        (2, "rating", "must be a number from 1 to 5"),
        (3, "rating_scale", "must be a number greater than 1, like 5 or 10"),
        (5, "text", "is required (or give a rating)"),
        (6, "date", "is not a date like 2026-03-31 or 2026-03-31T14:05:00"),
        (7, "date", "is in the future"),
        (8, "url", "is not a web address starting with https://"),
        (10, "id", "the same review id is already on row 9"),
        (11, "", "has more cells than the header"),
        (12, "rating_scale", "must be a number greater than 1, like 5 or 10"),
        (13, "author", "is longer than 200 characters"),
    ]
    with pytest.raises(ReviewCsvError) as caught:
        parse_review_csv(data, now=NOW)
    shown = str(caught.value) + " ".join(str(problem) for problem in caught.value.problems)
    for secret in ("HIV", "Reyes", "Jo Secret", "31/05", "www.example.org", "dup-1", "four"):
        assert secret not in shown
    assert str(caught.value).startswith(
        "the review file has 10 problem(s): row 2, rating: must be a number from 1 to 5; "
    )
    assert str(caught.value).endswith("(and 5 more)")
    assert isinstance(caught.value, ValueError)


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    # A quoted cell spanning three lines is still one spreadsheet row.
    data = b'text,rating\n"Line one\nline two\nline three",5\nFine,0\n'

    assert problems_of(data) == [(3, "rating", "must be a number from 1 to 5")]


def test_file_level_problems() -> None:
    assert problems_of(b"comment,rating\nGood,5\n") == [
        (1, "", "missing column: text; expected text, rating, rating_scale, author, date, url, id")
    ]
    assert problems_of(b"text,Text,rating\nGood,Good,5\n") == [
        (1, "text", "appears more than once in the header")
    ]
    assert problems_of(b"") == [(1, "", "the file is empty; it needs a header row")]
    assert problems_of(b"text,rating\n") == [(2, "", "the file has no reviews")]
    assert problems_of("text\nCaf\u00e9 was closed\n".encode("latin-1")) == [
        (0, "", "the file is not UTF-8 text (save it as CSV UTF-8)")
    ]


def test_size_and_row_limits() -> None:
    too_big = b"text\n" + b"x" * (10 * 1024 * 1024)
    assert problems_of(too_big) == [(0, "", "the file is larger than 10 MB")]

    too_many = b"text\n" + b"Good care\n" * 50_001
    assert problems_of(too_many) == [(50_002, "", "more than 50000 rows; split it")]

    assert len(parse_review_csv(b"text\n" + b"Good care\n" * 50_000, now=NOW)) == 50_000


def test_overlong_text_and_id_are_refused_not_cut() -> None:
    data = f"text,id\n{'word ' * 4_001},ok\nFine,{'i' * 181}\n".encode()

    assert problems_of(data) == [
        (2, "text", "is longer than 20000 characters"),
        (3, "id", "is longer than 180 characters"),
    ]


def test_utf16_export_is_refused_as_not_utf8() -> None:
    data = "text,rating\r\nGood,5\r\n".encode("utf-16-le")  # Excel's "Unicode Text"

    assert problems_of(data) == [(0, "", "the file is not UTF-8 text (save it as CSV UTF-8)")]


def test_unreadable_csv_is_reported_at_its_row() -> None:
    data = b"text,rating\nGood,5\n" + b"x" * 200_000 + b",4\n"  # beyond csv's field limit

    [problem] = problems_of(data)
    assert problem[:2] == (3, "")
    assert problem[2].startswith("is not readable as CSV")


def test_problem_reads_like_visit_import_problems() -> None:
    assert str(CsvProblem(4, "date", "is in the future")) == "row 4, date: is in the future"
    assert str(CsvProblem(0, "", "the file is larger than 10 MB")) == (
        "row 0: the file is larger than 10 MB"
    )
