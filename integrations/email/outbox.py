"""Writing to the outbox (in the caller's transaction) and managing dead letters.

`enqueue` runs in whatever transaction is current, so the business change and its email commit
or roll back together. A repeated business key is absorbed by `ON CONFLICT DO NOTHING` rather
than by catching a unique violation: on PostgreSQL a failed statement aborts the whole
transaction, which would throw away the caller's business change too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from integrations.crypto import KeyRing, context, is_encrypted
from integrations.email.message import OutgoingEmail
from integrations.reencrypt import RotationBatch, rotate_rows
from integrations.tables import OutboxMessage

logger = logging.getLogger("integrations.email")

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"
SKIPPED = "skipped"
STATUSES = (PENDING, SENDING, SENT, DEAD, SKIPPED)


_ENQUEUE = (
    "INSERT INTO outbox_message (kind, business_key, recipient, subject, body_text, body_html, "
    "headers, status, attempts, next_attempt_at, claimed_until, last_error, created_at, "
    "sent_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, 0, {}, NULL, '', {}, NULL) "
    "ON CONFLICT (business_key) DO NOTHING RETURNING id"
)


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Ids, kinds and states only: recipients, subjects and bodies are PHI. `fields` is the key
    the app's JSON log formatter reads."""
    logger.log(level, event, extra={"fields": fields})


def utcnow() -> datetime:
    return datetime.now(UTC)


def recipient_context(business_key: str) -> bytes:
    # The business key is unique and never changes: the recipient is bound to its message.
    return context("outbox_message", "recipient", business_key)


def open_recipient(row: dict[str, Any], keyring: KeyRing | None) -> str:
    """The address to send to; raises DecryptionError (or ValueError without a key ring)."""
    stored = row["recipient"]
    if not is_encrypted(stored):
        return stored
    if keyring is None:
        raise ValueError("an encrypted recipient needs the key ring")
    return keyring.decrypt(stored, recipient_context(row["business_key"]))


async def enqueue(message: OutgoingEmail, keyring: KeyRing | None = None) -> bool:
    """Queue `message`; False (and nothing changed) when its business key is already queued.

    With a key ring the recipient is stored encrypted: callers pass one for every email to a
    patient (an address is PHI); staff addresses may stay readable for the admin pages."""
    now = utcnow()
    recipient = message.recipient
    if keyring is not None:
        recipient = keyring.encrypt(recipient, recipient_context(message.business_key))
    # Written out rather than built from an `OutboxMessage` instance: urgent alerts are queued
    # inside survey submissions, where Piccolo's instance and query building cost more than
    # the insert itself.
    inserted = await OutboxMessage.raw(
        _ENQUEUE,
        message.kind,
        message.business_key,
        recipient,
        message.subject,
        message.text,
        message.html or "",
        json.dumps(dict(message.headers)),
        PENDING,
        now,
        now,
    )
    if inserted:
        log_event("outbox.enqueued", outbox_id=inserted[0]["id"], kind=message.kind)
    else:
        log_event("outbox.duplicate", kind=message.kind)
    return bool(inserted)


async def retry_dead(message_id: int) -> bool:
    """Put a dead letter back in the queue with a fresh set of attempts."""
    changed = (
        await OutboxMessage.update(
            {
                OutboxMessage.status: PENDING,
                OutboxMessage.attempts: 0,
                OutboxMessage.next_attempt_at: utcnow(),
                OutboxMessage.claimed_until: None,
            }
        )
        .where((OutboxMessage.id == message_id) & (OutboxMessage.status == DEAD))
        .returning(OutboxMessage.id)
    )
    if changed:
        log_event("outbox.retry_dead", outbox_id=message_id)
    return bool(changed)


DEAD_LETTER_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.kind,
    OutboxMessage.business_key,
    OutboxMessage.attempts,
    OutboxMessage.last_error,
    OutboxMessage.created_at,
    OutboxMessage.next_attempt_at,
)


async def dead_letters(limit: int = 100) -> list[dict[str, Any]]:
    """Newest dead letters first, for an admin page: no recipient, subject or body (minimum
    necessary; the business key leads to the record that caused the email)."""
    return await (
        OutboxMessage.select(*DEAD_LETTER_COLUMNS)
        .where(OutboxMessage.status == DEAD)
        .order_by(OutboxMessage.id, ascending=False)
        .limit(limit)
    )


def decode_headers(value: Any) -> dict[str, str]:
    """The JSON column comes back as text on both engines unless asked otherwise."""
    if isinstance(value, dict):
        return value
    return json.loads(value or "{}")


def _stale_recipient(keyring: KeyRing) -> Any:
    # Only encrypted recipients are rotated: staff addresses are queued readable on purpose.
    return OutboxMessage.recipient.like("v1:%") & OutboxMessage.recipient.not_like(
        f"{keyring.current_prefix}%"
    )


async def recipients_to_rotate(keyring: KeyRing) -> int:
    return await OutboxMessage.count().where(_stale_recipient(keyring))


async def rotate_recipients(keyring: KeyRing, after_id: int, limit: int) -> RotationBatch:
    """Re-encrypt one batch of recipients under the current key (see integrations.reencrypt)."""

    def rewrite(row: dict[str, Any]) -> dict[Any, Any]:
        where = recipient_context(row["business_key"])
        return {OutboxMessage.recipient: keyring.reencrypt(row["recipient"], where)}

    return await rotate_rows(
        OutboxMessage,
        read=(OutboxMessage.business_key, OutboxMessage.recipient),
        stale=_stale_recipient(keyring),
        compared=(OutboxMessage.recipient,),
        rewrite=rewrite,
        after_id=after_id,
        limit=limit,
    )
