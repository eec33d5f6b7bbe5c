"""The audit trail: who did what to which object, when and from where. Never PHI values.

Append-only twice over: the database refuses UPDATE, DELETE and TRUNCATE on `audit_event`
(triggers, see the migration), and every entry carries a SHA-256 hash of its own fields and of
the previous entry's hash, so `feedback audit verify` finds an edited, deleted, reordered or
inserted row even if someone switched the triggers off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from feedback.auth.roles import CurrentStaff
from feedback.tables import AuditEvent
from integrations.db_values import aware, loaded

GENESIS = "0" * 64
# Any constant: it names the one advisory lock that serialises appends on PostgreSQL.
CHAIN_LOCK = 7_401_221
VERIFY_BATCH = 1000


def entry_hash(previous: str, sequence: int, row: dict[str, Any]) -> str:
    """The hash of one entry: its fields in a canonical form, chained to its predecessor."""
    fields = {
        "actor_id": row["actor_id"],
        "actor_label": row["actor_label"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "client_address": row["client_address"],
        "detail": loaded(row["detail"]) or {},
        "created_at": aware(row["created_at"])
        .astimezone(dt.UTC)
        .isoformat(timespec="microseconds"),
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{previous}\n{sequence}\n{canonical}".encode()).hexdigest()


async def record(
    action: str,
    *,
    actor: CurrentStaff | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str | int = "",
    client_address: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    row: dict[str, Any] = {
        "actor_id": actor.id if actor else None,
        "actor_label": actor.email if actor else actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "client_address": client_address,
        "detail": detail or {},
        # Microseconds are what both databases keep, so the hash survives the round trip.
        "created_at": dt.datetime.now(dt.UTC),
    }
    db = AuditEvent._meta.db
    async with db.transaction():
        if isinstance(db, PostgresEngine):
            # Appends are serialised so two writers never chain onto the same predecessor;
            # SQLite's single writer already serialises them.
            await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", CHAIN_LOCK)
        last = await (
            AuditEvent.select(AuditEvent.sequence, AuditEvent.entry_hash)
            .where(AuditEvent.sequence.is_not_null())
            .order_by(AuditEvent.sequence, ascending=False)
            .first()
        )
        sequence = last["sequence"] + 1 if last else 1
        previous = last["entry_hash"] if last else GENESIS
        await AuditEvent.insert(
            AuditEvent(
                **row,
                sequence=sequence,
                previous_hash=previous,
                entry_hash=entry_hash(previous, sequence, row),
            )
        )


@dataclass
class ChainReport:
    entries: int = 0
    unchained: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


async def verify_chain(max_problems: int = 20) -> ChainReport:
    """Walk the log in order and recompute every link (in batches: memory stays flat)."""
    report = ChainReport()
    report.unchained = await AuditEvent.count().where(AuditEvent.sequence.is_null())
    first = await (
        AuditEvent.select(AuditEvent.id)
        .where(AuditEvent.sequence.is_not_null())
        .order_by(AuditEvent.id)
        .first()
    )
    if first is not None:
        # Entries written before the chain existed have no link; any after it began were
        # slipped in around it.
        slipped_in = await AuditEvent.count().where(
            AuditEvent.sequence.is_null() & (AuditEvent.id > first["id"])
        )
        if slipped_in:
            report.problems.append(f"{slipped_in} entries were inserted outside the chain")
    expected, previous, last_sequence = 1, GENESIS, 0
    while len(report.problems) < max_problems:
        rows = await (
            AuditEvent.select()
            .where(AuditEvent.sequence.is_not_null() & (AuditEvent.sequence > last_sequence))
            .order_by(AuditEvent.sequence)
            .limit(VERIFY_BATCH)
        )
        if not rows:
            break
        for row in rows:
            sequence = row["sequence"]
            if sequence != expected:
                report.problems.append(
                    f"entries {expected} to {sequence - 1} are missing (deleted)"
                    if sequence > expected
                    else f"entry {sequence} appears out of order"
                )
            if row["previous_hash"] != previous:
                report.problems.append(
                    f"entry {sequence} does not follow the entry before it "
                    "(a row was inserted, removed or reordered)"
                )
            if entry_hash(row["previous_hash"], sequence, row) != row["entry_hash"]:
                report.problems.append(f"entry {sequence} was changed after it was written")
            previous, expected = row["entry_hash"], sequence + 1
            report.entries += 1
        last_sequence = rows[-1]["sequence"]
    report.head = previous
    report.problems = report.problems[:max_problems]
    return report
