"""The outbox dispatcher: claim due rows, send them outside any transaction, record the outcome.

A claim is one short write transaction that moves rows to "sending" with a lease
(`claimed_until`). On PostgreSQL the claiming SELECT takes `FOR UPDATE SKIP LOCKED`, so workers
in other processes pass over each other's rows instead of queueing behind them; on SQLite the
IMMEDIATE transaction serialises claimers. A worker that dies leaves its rows in "sending";
once the lease runs out any worker takes them again.

`claimed_until` doubles as a fencing token: every outcome is written only `WHERE status =
'sending' AND claimed_until = <this claim's lease>`, so a worker that outlived its lease cannot
overwrite what the worker that re-claimed the row recorded (for instance turning "sent" back
into a retry, which would send the email again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from integrations.crypto import KeyRing
from integrations.email.backoff import Backoff, exponential_backoff
from integrations.email.message import build_message
from integrations.email.outbox import (
    DEAD,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    decode_headers,
    log_event,
    open_recipient,
    utcnow,
)
from integrations.email.sender import MailSender, PermanentFailure, TemporaryFailure
from integrations.email.suppression import is_suppressed
from integrations.tables import OutboxMessage

Row = dict[str, Any]
ShouldSend = Callable[[Row], Awaitable[bool]]
OnSent = Callable[[Row], Awaitable[None]]

# Stop starting new sends once this share of the lease has gone, so a slow batch never sends a
# row that another worker may already have re-claimed.
LEASE_BUDGET = 0.8


@dataclass(frozen=True)
class DispatchResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.dead + self.skipped


class Dispatcher:
    def __init__(
        self,
        sender: MailSender,
        mail_from: str,
        *,
        batch_size: int = 50,
        max_attempts: int = 8,
        lease: timedelta = timedelta(minutes=5),
        backoff: Backoff | None = None,
        should_send: ShouldSend | None = None,
        on_sent: OnSent | None = None,
        suppression_key: bytes | None = None,
        keyring: KeyRing | None = None,
    ) -> None:
        if batch_size < 1 or max_attempts < 1 or lease <= timedelta(0):
            raise ValueError("batch_size, max_attempts and lease must be positive")
        self.sender = sender
        self.mail_from = mail_from
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.lease = lease
        self.backoff = backoff or exponential_backoff()
        self.should_send = should_send
        self.on_sent = on_sent
        self.suppression_key = suppression_key
        # Opens encrypted recipients just before sending; they are never written back in clear.
        self.keyring = keyring

    async def run_once(self, stop: asyncio.Event | None = None) -> DispatchResult:
        """Claim one batch of due messages and try each once.

        Rows not yet tried when `stop` is set (or when most of the lease has gone) are handed
        back at once rather than left to wait for their lease to expire.
        """
        started = time.monotonic()
        rows, lease_end, exhausted = await self._claim()
        counts = {"sent": 0, "retried": 0, "dead": exhausted, "skipped": 0}
        budget = self.lease.total_seconds() * LEASE_BUDGET
        for index, row in enumerate(rows):
            if (stop is not None and stop.is_set()) or time.monotonic() - started > budget:
                await self._release(rows[index:], lease_end)
                break
            outcome = await self._process(row, lease_end)
            if outcome:
                counts[outcome] += 1
        return DispatchResult(**counts)

    async def run_forever(self, stop: asyncio.Event, interval: float = 5.0) -> None:
        """Dispatch until `stop` is set; a full batch is followed at once by the next one.

        Stop it by setting `stop` and awaiting it: cancelling it can interrupt a send whose
        SMTP thread carries on, leaving the row to be sent again when its lease expires.
        """
        while not stop.is_set():
            busy = False
            try:
                busy = (await self.run_once(stop)).total >= self.batch_size
            except Exception as exc:  # a database hiccup must not end the worker
                log_event("outbox.dispatch_failed", logging.WARNING, error=type(exc).__name__)
            if busy:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def _claim(self) -> tuple[list[Row], datetime, int]:
        engine = OutboxMessage._meta.db
        now = utcnow()
        lease_end = now + self.lease
        due = ((OutboxMessage.status == PENDING) & (OutboxMessage.next_attempt_at <= now)) | (
            (OutboxMessage.status == SENDING) & (OutboxMessage.claimed_until < now)
        )
        query = (
            OutboxMessage.select()
            .where(due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self.batch_size)
        )
        if isinstance(engine, PostgresEngine):
            query = query.lock_rows("UPDATE", skip_locked=True)
        async with engine.transaction():
            rows = await query
            # Only a row whose worker died during its last attempt gets here with none left.
            spent = [row["id"] for row in rows if row["attempts"] >= self.max_attempts]
            live = [row for row in rows if row["attempts"] < self.max_attempts]
            if spent:
                await OutboxMessage.update(
                    {
                        OutboxMessage.status: DEAD,
                        OutboxMessage.claimed_until: None,
                        OutboxMessage.last_error: "attempts exhausted (worker stopped mid-send)",
                    }
                ).where(OutboxMessage.id.is_in(spent))
            if live:
                await OutboxMessage.update(
                    {
                        OutboxMessage.status: SENDING,
                        OutboxMessage.claimed_until: lease_end,
                        OutboxMessage.attempts: OutboxMessage.attempts + 1,
                    }
                ).where(OutboxMessage.id.is_in([row["id"] for row in live]))
        for row in live:
            row.update(
                status=SENDING,
                claimed_until=lease_end,
                attempts=row["attempts"] + 1,
                headers=decode_headers(row["headers"]),
            )
        for message_id in spent:
            log_event("outbox.dead", logging.WARNING, outbox_id=message_id, reason="exhausted")
        return live, lease_end, len(spent)

    async def _process(self, row: Row, lease_end: datetime) -> str | None:
        """Try one claimed row; returns the DispatchResult field it counts towards."""
        try:
            recipient = open_recipient(row, self.keyring)
            if self.suppression_key and await is_suppressed(recipient, self.suppression_key):
                return await self._skip(row, lease_end, "suppressed")
            if self.should_send is not None and not await self.should_send(dict(row)):
                return await self._skip(row, lease_end, "declined at send time")
            message = build_message(dict(row, recipient=recipient), self.mail_from)
        except Exception as exc:
            # A bug or outage above us: retry later rather than send unchecked or lose the row.
            return await self._failed(row, lease_end, TemporaryFailure(_name(exc, "check")))
        try:
            await self.sender.send(message)
        except (TemporaryFailure, PermanentFailure) as exc:
            return await self._failed(row, lease_end, exc)
        except Exception as exc:
            return await self._failed(row, lease_end, TemporaryFailure(_name(exc, "sender")))
        return await self._sent(row, lease_end)

    async def _sent(self, row: Row, lease_end: datetime) -> str | None:
        changes = {
            OutboxMessage.status: SENT,
            OutboxMessage.sent_at: utcnow(),
            OutboxMessage.claimed_until: None,
            OutboxMessage.last_error: "",
        }
        owned = False
        if self.on_sent is not None:
            # The upper floor's bookkeeping ("patient notified") commits with the sent state
            # when it can; if it fails, the email is still recorded as sent, never resent.
            try:
                async with OutboxMessage._meta.db.transaction():
                    owned = await self._finish(row, lease_end, changes)
                    if owned:
                        await self.on_sent(dict(row, status=SENT))
                return _logged(row, SENT, owned)
            except Exception as exc:
                log_event(
                    "outbox.on_sent_failed",
                    logging.ERROR,
                    outbox_id=row["id"],
                    kind=row["kind"],
                    error=type(exc).__name__,
                )
        owned = await self._finish(row, lease_end, changes)
        return _logged(row, SENT, owned)

    async def _skip(self, row: Row, lease_end: datetime, reason: str) -> str | None:
        changes = {
            OutboxMessage.status: SKIPPED,
            OutboxMessage.claimed_until: None,
            OutboxMessage.last_error: reason,
        }
        return _logged(row, SKIPPED, await self._finish(row, lease_end, changes), reason=reason)

    async def _failed(
        self, row: Row, lease_end: datetime, failure: TemporaryFailure | PermanentFailure
    ) -> str | None:
        reason = failure.reason[:200]
        if isinstance(failure, PermanentFailure) or row["attempts"] >= self.max_attempts:
            changes = {
                OutboxMessage.status: DEAD,
                OutboxMessage.claimed_until: None,
                OutboxMessage.last_error: reason,
            }
            return _logged(row, DEAD, await self._finish(row, lease_end, changes), reason=reason)
        changes = {
            OutboxMessage.status: PENDING,
            OutboxMessage.claimed_until: None,
            OutboxMessage.next_attempt_at: utcnow() + self.backoff(row["attempts"]),
            OutboxMessage.last_error: reason,
        }
        return _logged(row, "retry", await self._finish(row, lease_end, changes), reason=reason)

    async def _release(self, rows: list[Row], lease_end: datetime) -> None:
        """Hand back rows this claim never tried, without spending one of their attempts."""
        for row in rows:
            changes = {
                OutboxMessage.status: PENDING,
                OutboxMessage.claimed_until: None,
                OutboxMessage.attempts: OutboxMessage.attempts - 1,
            }
            await self._finish(row, lease_end, changes)

    async def _finish(self, row: Row, lease_end: datetime, changes: dict[Any, Any]) -> bool:
        """Write an outcome if this claim still owns the row (see the module docstring)."""
        owned = (
            await OutboxMessage.update(changes)
            .where(
                (OutboxMessage.id == row["id"])
                & (OutboxMessage.status == SENDING)
                & (OutboxMessage.claimed_until == lease_end)
            )
            .returning(OutboxMessage.id)
        )
        return bool(owned)


def _logged(row: Row, outcome: str, owned: bool, **fields: Any) -> str | None:
    if not owned:
        log_event("outbox.lease_lost", logging.WARNING, outbox_id=row["id"], kind=row["kind"])
        return None
    level = logging.WARNING if outcome in (DEAD, "retry") else logging.INFO
    log_event(
        f"outbox.{outcome}",
        level,
        outbox_id=row["id"],
        kind=row["kind"],
        attempts=row["attempts"],
        **fields,
    )
    return {SENT: "sent", SKIPPED: "skipped", DEAD: "dead", "retry": "retried"}[outcome]


def _name(exc: Exception, where: str) -> str:
    return f"{where} error ({type(exc).__name__})"
