"""`feedback rotate-keys`: move every encrypted value to the current key, in committed batches.

Resumable by construction: a batch selects only values not yet under the current key, so a
run killed at any point (a batch is one transaction) is finished by running it again.
Safe alongside the service: every row is rewritten only if it still holds what the batch read,
so a value written meanwhile (always under the current key) is never overwritten.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from feedback.services.mfa import rotate_secrets, secrets_to_rotate
from feedback.tables import FeedbackItem
from integrations.crypto import KeyRing
from integrations.email.outbox import recipients_to_rotate, rotate_recipients
from integrations.reencrypt import RotationBatch
from surveys.patients import patients_to_rotate, rotate_patients
from surveys.sealed_text import ANSWER_VALUE, FEEDBACK_TEXT, rotate_sealed, sealed_to_rotate
from surveys.tables import Answer

RotateBatch = Callable[[KeyRing, int, int], Awaitable[RotationBatch]]
CountStale = Callable[[KeyRing], Awaitable[int]]

# Each table whose columns hold encrypted values, with its batch and its count of stale rows.
TABLES: tuple[tuple[str, RotateBatch, CountStale], ...] = (
    ("patient", rotate_patients, patients_to_rotate),
    ("outbox_message", rotate_recipients, recipients_to_rotate),
    ("staff_user", rotate_secrets, secrets_to_rotate),
    (
        "feedback_item",
        partial(rotate_sealed, FeedbackItem, FeedbackItem.text, FEEDBACK_TEXT),
        partial(sealed_to_rotate, FeedbackItem, FeedbackItem.text),
    ),
    (
        "survey_answer",
        partial(rotate_sealed, Answer, Answer.value, ANSWER_VALUE),
        partial(sealed_to_rotate, Answer, Answer.value),
    ),
)


@dataclass
class TableProgress:
    table: str
    rotated: int = 0
    changed_meanwhile: int = 0
    unreadable: int = 0
    remaining: int = 0


Report = Callable[[TableProgress, RotationBatch], None]


async def rotate_keys(
    keyring: KeyRing,
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    report: Report | None = None,
) -> list[TableProgress]:
    """Rotate every table; stop early after `max_batches` batches in all (the rest is left
    for the next run). Returns each table's totals and how many rows still need work."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    progress = [TableProgress(name) for name, _, _ in TABLES]
    batches = 0
    for totals, (_, rotate, _) in zip(progress, TABLES, strict=True):
        after_id = 0
        while max_batches is None or batches < max_batches:
            batch = await rotate(keyring, after_id, batch_size)
            if batch.examined == 0:
                break
            batches += 1
            after_id = batch.last_id
            totals.rotated += batch.rotated
            totals.changed_meanwhile += batch.changed_meanwhile
            totals.unreadable += batch.unreadable
            if report is not None:
                report(totals, batch)
    for totals, (_, _, count) in zip(progress, TABLES, strict=True):
        totals.remaining = await count(keyring)
    return progress
