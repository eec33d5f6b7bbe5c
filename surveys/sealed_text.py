"""Values sealed at rest, bound to their row: the helpers every sealed column uses (the
patient's details in surveys.patients), and what identified patients wrote.

A free-text survey answer of an invited (so identified) patient, and the feedback item made
from it, are stored AES-GCM-sealed and bound to their table, column and the row's own
`crypto_id`, like the patient's name and contact details. Text nobody can tie to a patient
(online reviews, kiosk answers, imports, staff notes) stays in clear, and so do free-text rows
written before this (`feedback rotate-keys` re-seals sealed rows only): an empty `crypto_id`
means "in clear".

Sealed text cannot be searched or grouped in SQL; every reader opens it here, after the
query, with the keyring from settings.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from piccolo.columns import Column
from piccolo.table import Table

from integrations.crypto import KeyRing, context
from integrations.reencrypt import RotationBatch, rotate_rows

FEEDBACK_TEXT = ("feedback_item", "text")
ANSWER_VALUE = ("survey_answer", "value")


def new_crypto_id() -> str:
    """The random, never-changing key of a row that holds sealed values."""
    return secrets.token_hex(16)


def seal(keyring: KeyRing, place: tuple[str, str], text: str) -> tuple[str, str]:
    """(crypto_id, sealed text) for a new row at `place` (table, column)."""
    crypto_id = new_crypto_id()
    return crypto_id, reseal(keyring, place, crypto_id, text)


def reseal(keyring: KeyRing, place: tuple[str, str], crypto_id: str, text: str) -> str:
    return keyring.encrypt(text, context(*place, crypto_id))


def unseal(keyring: KeyRing, place: tuple[str, str], crypto_id: str, stored: str | None) -> str:
    if not crypto_id:  # written before encryption: still in clear
        return stored or ""
    return keyring.decrypt(stored, context(*place, crypto_id))


def opened_text(keyring: KeyRing, row: Mapping[str, Any], column: str = "text") -> str:
    """A feedback item's text from a row selected with its crypto_id."""
    return unseal(keyring, FEEDBACK_TEXT, row.get("crypto_id") or "", row[column])


def _stale(table: type[Table], column: Column, keyring: KeyRing) -> Any:
    """Sealed rows not under the current key."""
    return (
        (table.crypto_id != "")  # type: ignore[attr-defined]
        & (column != "")
        & column.not_like(f"{keyring.current_prefix}%")
    )


async def sealed_to_rotate(table: type[Table], column: Column, keyring: KeyRing) -> int:
    return await table.count().where(_stale(table, column, keyring))


async def rotate_sealed(
    table: type[Table],
    column: Column,
    place: tuple[str, str],
    keyring: KeyRing,
    after_id: int,
    limit: int,
) -> RotationBatch:
    """One committed batch of `feedback rotate-keys` for a sealed text column; a row changed
    meanwhile (erased, say) keeps its newer value (integrations.reencrypt)."""
    name = column._meta.name

    def rewrite(row: dict[str, Any]) -> dict[Column, Any]:
        text = unseal(keyring, place, row["crypto_id"], row[name])
        return {column: reseal(keyring, place, row["crypto_id"], text)}

    return await rotate_rows(
        table,
        read=(table.crypto_id, column),  # type: ignore[attr-defined]
        stale=_stale(table, column, keyring),
        compared=(column,),
        rewrite=rewrite,
        after_id=after_id,
        limit=limit,
    )
