"""Bulk import: the whole file is checked before anything is stored, then analysed, stored and
routed in batches; an interrupted run resumes after its last committed line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.analysis import ANALYZER_VERSION
from feedback.services.bulk_import import ImportRejected, Progress, import_file
from feedback.services.routing import seed_default_rules
from feedback.tables import FeedbackItem, Ticket, TicketEvent, TicketFeedback
from integrations.db_values import aware, loaded
from surveys.tables import Department, Location
from tests.conftest import TEST_SECRET_KEY

COMMENTS = [
    {"text": "The nurses were wonderful and explained everything.", "rating": 10},
    {"text": "I was billed twice for the same visit and nobody answers the phone.", "rating": 2},
    {"text": "Parking was impossible and the lift was broken.", "rating": 4},
    {"text": "My father fell in the bathroom and no one came for an hour.", "rating": 0},
    {"text": "Nothing", "question": "What could we improve?", "rating": 9},
]


async def _hospital() -> None:
    await Location.insert(Location(name="Riverside", slug="riverside"))
    await Department.insert(
        Department(name="Cardiology", slug="cardiology"),
        Department(name="Patient Financial Services", slug="billing"),
        Department(name="Facilities", slug="facilities"),
        Department(name="Quality & Patient Safety", slug="quality"),
        Department(name="Patient Experience Office", slug="patient-experience"),
    )
    await seed_default_rules()


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _records(count: int) -> list[dict]:
    return [
        {
            **COMMENTS[n % len(COMMENTS)],
            "id": f"ext-{n}",
            "rating_scale": 10,
            "location": "riverside",
            "department": "cardiology",
            "received_at": "2026-10-01T09:30:00Z",
        }
        for n in range(count)
    ]


async def test_a_jsonl_file_is_analysed_stored_and_routed_in_batches(db, tmp_path):
    await _hospital()
    path = _jsonl(tmp_path / "comments.jsonl", _records(12))
    seen: list[Progress] = []

    done = await import_file(path, "jsonl", "api", batch_size=5, on_progress=seen.append)

    assert (done.items, done.last_line) == (12, 12)
    assert [p.last_line for p in seen] == [5, 10, 12], "one commit per batch"
    rows = await FeedbackItem.select().order_by(FeedbackItem.id)
    assert [row["text"] for row in rows] == [r["text"] for r in _records(12)]
    cardiology = await Department.select(Department.id).where(Department.slug == "cardiology")
    assert {row["department"] for row in rows} == {cardiology[0]["id"]}
    assert {row["analyzer_version"] for row in rows} == {ANALYZER_VERSION}
    assert {row["source"] for row in rows} == {"api"}
    assert rows[1]["sentiment"] == "negative" and rows[3]["urgent"] is True
    themes = rows[1]["themes"]
    themes = json.loads(themes) if isinstance(themes, str) else themes
    assert {"theme": "billing", "sentiment": "negative"} in themes
    assert rows[0]["explanation"] and rows[0]["analyzed_at"] is not None
    assert rows[0]["received_at"].isoformat().startswith("2026-10-01T09:30")
    # Routing ran in the same pass: the billing complaint and the fall have tickets.
    assert done.tickets == await Ticket.count() > 0
    routed = {row["feedback_item"] for row in await TicketFeedback.select()}
    assert rows[1]["id"] in routed and rows[3]["id"] in routed
    urgent = await Ticket.select().where(Ticket.priority == "urgent")
    assert urgent, "the fall opened an urgent ticket"


async def test_a_csv_file_imports_the_same_way(db, tmp_path):
    await _hospital()
    path = tmp_path / "comments.csv"
    path.write_text(
        "external_id,text,rating,rating_scale,department,question\n"
        'a1,"Billed twice, and nobody answers the phone.",1,5,billing,\n'
        'a2,"Lovely staff,\nvery kind.",5,5,,\n'  # a quoted newline inside a comment
        "a3,Nothing,4,5,,What could we improve?\n"
    )
    done = await import_file(path, "csv", "review")
    assert (done.items, done.last_line) == (3, 5)  # where the last record starts
    rows = await FeedbackItem.select().order_by(FeedbackItem.id)
    assert [row["rating"] for row in rows] == [1, 5, 4]
    assert rows[1]["text"] == "Lovely staff,\nvery kind."
    assert rows[2]["sentiment"] == "positive", "the question gives 'Nothing' its meaning"
    assert {row["source"] for row in rows} == {"review"}


async def test_every_problem_is_listed_by_line_and_field_and_nothing_is_stored(db, tmp_path):
    await _hospital()
    secret = "Jane Roe MRN 12345"
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"text": "Fine visit."})
        + "\n"
        + json.dumps({"text": ""})
        + "\nnot json at all "
        + secret
        + "\n"
        + json.dumps(
            {
                "text": "ok",
                "rating": 7,
                "location": secret,
                "department": "nowhere",
                "received_at": secret,
                "colour": "red",
            }
        )
        + "\n"
        + json.dumps({"text": "ok", "rating": 9, "rating_scale": 5})
        + "\n"
        + json.dumps({"text": "x" * 10_001})
        + "\n"
    )
    with pytest.raises(ImportRejected) as caught:
        await import_file(path, "jsonl")
    problems = [(p.line, p.field) for p in caught.value.problems]
    assert problems == [
        (2, "text"),
        (3, ""),
        (4, "colour"),
        (4, "rating"),
        (4, "location"),
        (4, "department"),
        (4, "received_at"),
        (5, "rating"),
        (6, "text"),
    ]
    assert caught.value.total == len(problems)
    assert all(secret not in str(p) and "nowhere" not in str(p) for p in caught.value.problems)
    assert await FeedbackItem.count() == 0 and await Ticket.count() == 0


async def test_a_bad_csv_header_is_refused(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("comment,rating,rating_scale\nGreat care,5,5\n")
    with pytest.raises(ImportRejected) as caught:
        await import_file(path, "csv")
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (1, "comment"),
        (1, "text"),
    ]
    assert await FeedbackItem.count() == 0


async def test_an_interrupted_import_resumes_after_its_last_committed_line(db, tmp_path):
    await _hospital()
    path = _jsonl(tmp_path / "comments.jsonl", _records(7))
    await import_file(path, "jsonl", batch_size=3, resume_after=4)
    rows = await FeedbackItem.select(FeedbackItem.text).order_by(FeedbackItem.id)
    assert [row["text"] for row in rows] == [r["text"] for r in _records(7)[4:]]


async def test_analysis_in_worker_processes_stores_the_same_items(db, tmp_path):
    await _hospital()
    path = _jsonl(tmp_path / "comments.jsonl", _records(9))
    done = await import_file(path, "jsonl", batch_size=2, workers=2)
    assert (done.items, done.last_line) == (9, 9)
    rows = await FeedbackItem.select().order_by(FeedbackItem.id)
    assert [row["text"] for row in rows] == [r["text"] for r in _records(9)], "order kept"
    assert rows[3]["urgent"] is True and rows[1]["sentiment"] == "negative"
    assert await Ticket.count() == done.tickets > 0


async def test_the_command_prints_items_per_second_or_every_problem(db, database_url, tmp_path):
    await _hospital()
    env = {"ENVIRONMENT": "test", "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET_KEY}

    def feedback(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "feedback", "import", *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    good = _jsonl(tmp_path / "good.jsonl", _records(3))
    result = feedback(str(good), "--workers", "0")
    assert result.returncode == 0, result.stderr
    assert "Imported 3 item(s)" in result.stdout and "items/s" in result.stdout

    bad = _jsonl(tmp_path / "bad.jsonl", [{"text": "ok", "department": "Secret Ward"}])
    result = feedback(str(bad))
    assert result.returncode == 1
    assert "line 1: department: no department has this slug" in result.stderr
    assert "Secret Ward" not in result.stderr and "nothing was imported" in result.stderr
    assert await FeedbackItem.count() == 3


async def test_tickets_written_in_bulk_read_back_like_any_other(db, tmp_path):
    """Tickets, links and events skip Piccolo's Table instances on the way in: they must read
    back through Piccolo with the types it would have written (JSON lists and objects,
    timestamps, defaults), one link and one "created" event per ticket."""
    await _hospital()
    path = _jsonl(tmp_path / "comments.jsonl", _records(10))
    await import_file(path, "jsonl", batch_size=4)

    tickets = await Ticket.objects().order_by(Ticket.id)
    assert tickets
    for ticket in tickets:
        assert isinstance(loaded(ticket.tags), list)
        assert aware(ticket.resolve_due_at) > aware(ticket.acknowledge_due_at)
        assert ticket.status == "new" and ticket.routing_rule and ticket.routing_reason
    links = await TicketFeedback.select()
    events = await TicketEvent.select().output(load_json=True)
    assert sorted(row["ticket"] for row in links) == [ticket.id for ticket in tickets]
    assert all(row["linked_at"] is not None for row in links)
    assert sorted(row["ticket"] for row in events) == [ticket.id for ticket in tickets]
    assert {row["kind"] for row in events} == {"created"}
    assert all(set(row["detail"]) == {"rule", "reason"} for row in events)
