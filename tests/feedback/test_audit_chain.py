"""The audit log is append-only in the database and hash-chained: tampering is found."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from feedback.services import audit
from feedback.tables import AuditEvent
from tests.conftest import TEST_SECRET_KEY


async def _write(count: int) -> None:
    for number in range(count):
        await audit.record(
            "staff.signed_in",
            actor_label=f"user{number}@hospital.example.org",
            object_type="staff_user",
            object_id=number,
            client_address="203.0.113.7",
            detail={"number": number},
        )


async def _tamper(*statements: str) -> None:
    """What someone with DDL rights could do: switch the protection off, then change rows."""
    db = AuditEvent._meta.db
    async with db.transaction():
        if db.engine_type == "postgres":
            await AuditEvent.raw("SET LOCAL session_replication_role = replica")
        else:
            await AuditEvent.raw("DROP TRIGGER IF EXISTS audit_event_no_update")
            await AuditEvent.raw("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for statement in statements:
            await AuditEvent.raw(statement)


async def test_an_untouched_log_verifies(db: object) -> None:
    await _write(5)
    report = await audit.verify_chain()
    assert report.intact and report.entries == 5
    last = await AuditEvent.select().order_by(AuditEvent.sequence, ascending=False).first()
    assert report.head == last["entry_hash"]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET action = 'nothing'", "DELETE FROM audit_event"]
)
async def test_the_database_refuses_updates_and_deletes(db: object, statement: str) -> None:
    await _write(2)
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.raw(statement)
    assert await AuditEvent.count() == 2


@pytest.mark.parametrize(
    ("statements", "finding"),
    [
        (["UPDATE audit_event SET object_id = '999' WHERE sequence = 3"], "entry 3 was changed"),
        (["DELETE FROM audit_event WHERE sequence = 2"], "entries 2 to 2 are missing"),
        (
            [
                "UPDATE audit_event SET sequence = 100 WHERE sequence = 2",
                "UPDATE audit_event SET sequence = 2 WHERE sequence = 3",
                "UPDATE audit_event SET sequence = 3 WHERE sequence = 100",
            ],
            "entry 2 does not follow the entry before it",
        ),
        (
            [
                "INSERT INTO audit_event (action, actor_label, object_type, object_id, "
                "client_address, detail, created_at, previous_hash, entry_hash) VALUES "
                "('staff.signed_in', 'intruder', '', '', '', '{{}}', "
                "'2026-11-01 00:00:00+00:00', '', '')"
            ],
            "1 entries were inserted outside the chain",
        ),
    ],
    ids=["edited", "deleted", "reordered", "inserted"],
)
async def test_tampering_is_found(db: object, statements: list[str], finding: str) -> None:
    await _write(4)
    await _tamper(*statements)
    report = await audit.verify_chain()
    assert not report.intact
    assert any(finding in problem for problem in report.problems), report.problems


async def test_concurrent_appends_keep_one_unbroken_chain(db: object) -> None:
    await asyncio.gather(*(_write(3) for _ in range(8)))
    report = await audit.verify_chain()
    assert report.intact and report.entries == 24
    sequences = [row["sequence"] for row in await AuditEvent.select(AuditEvent.sequence)]
    assert sorted(sequences) == list(range(1, 25))


async def test_feedback_audit_verify_exits_1_on_tampering(db: object, database_url: str) -> None:
    await _write(3)
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
    }
    command = [sys.executable, "-m", "feedback", "audit", "verify"]
    good = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert "3 audit entries, chain intact" in good.stdout
    await _tamper("UPDATE audit_event SET client_address = '198.51.100.1' WHERE sequence = 1")
    bad = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "entry 1 was changed after it was written" in bad.stderr
