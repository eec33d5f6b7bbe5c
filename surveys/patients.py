"""Patient PHI in and out of the database: the only module that reads or writes it.

Names, email, phone and MRN are stored encrypted with the key ring the caller hands in (from
settings; never imported here), each bound to the patient's `crypto_id` and its column, so a
value moved to another patient or column does not open. Lookups use blind indexes:
`email_index` (normalised address) and the unique `mrn` column (one patient per MRN; the MRN
itself is encrypted in `mrn_encrypted`).

Rows written before encryption have an empty `crypto_id` and their values in clear (the MRN
itself in `mrn`); they are read as they are, found by MRN, and encrypted by
`feedback rotate-keys`. Callers speak of the logical fields below and never of columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.crypto import KeyRing
from integrations.email.suppression import normalise_address
from integrations.reencrypt import RotationBatch, rotate_rows
from surveys.sealed_text import new_crypto_id, reseal, unseal
from surveys.tables import Patient

TABLE = "patient"
PHI_COLUMNS = ("given_name", "family_name", "email", "phone", "mrn")
# Logical field -> the column holding its ciphertext (the `mrn` column is the MRN's index).
STORED_IN = {
    "given_name": "given_name",
    "family_name": "family_name",
    "email": "email",
    "phone": "phone",
    "mrn": "mrn_encrypted",
}
EMAIL_PURPOSE = "patient.email"
MRN_PURPOSE = "patient.mrn"
READ_COLUMNS = (
    Patient.id,
    Patient.crypto_id,
    Patient.given_name,
    Patient.family_name,
    Patient.email,
    Patient.phone,
    Patient.mrn,
    Patient.mrn_encrypted,
    Patient.preferred_language,
)


def _column(name: str) -> Any:
    return Patient._meta.get_column_by_name(name)


def email_index(keyring: KeyRing, email: str) -> str:
    return keyring.blind_index(EMAIL_PURPOSE, normalise_address(email))


def mrn_index(keyring: KeyRing, mrn: str) -> str:
    # MRNs are identifiers: only surrounding space is noise, case may matter.
    return keyring.blind_index(MRN_PURPOSE, mrn.strip())


def encrypt_field(keyring: KeyRing, crypto_id: str, column: str, value: str) -> str:
    return reseal(keyring, (TABLE, column), crypto_id, value)


def decrypt_field(keyring: KeyRing, crypto_id: str, column: str, stored: str | None) -> str:
    return unseal(keyring, (TABLE, column), crypto_id, stored)


def patient_values_to_row(
    keyring: KeyRing, crypto_id: str, values: Mapping[str, str]
) -> dict[str, str]:
    """Column name -> stored value for the PHI given (with blind indexes), ready to write."""
    unknown = set(values) - set(PHI_COLUMNS)
    if unknown:
        raise ValueError(f"not patient PHI fields: {sorted(unknown)}")
    row = {
        STORED_IN[field]: encrypt_field(keyring, crypto_id, field, value)
        for field, value in values.items()
    }
    if "email" in values:
        row["email_index"] = email_index(keyring, values["email"])
    if "mrn" in values:
        row["mrn"] = mrn_index(keyring, values["mrn"])
    return row


def decrypt_patient(keyring: KeyRing, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row selected with READ_COLUMNS (or some of them, always with crypto_id), as logical
    fields with the PHI opened; raises DecryptionError."""
    crypto_id = row.get("crypto_id", "")
    opened = {
        key: value
        for key, value in row.items()
        if key not in ("crypto_id", "mrn", "mrn_encrypted", "email_index")
    }
    for field, column in STORED_IN.items():
        if column in row:
            opened[field] = decrypt_field(keyring, crypto_id, field, row[column])
    if not crypto_id and "mrn" in row:
        opened["mrn"] = row["mrn"]  # before encryption the MRN itself was in `mrn`
    return opened


async def find_by_mrn(keyring: KeyRing, mrn: str) -> int | None:
    legacy = (Patient.mrn == mrn.strip()) & (Patient.crypto_id == "")
    found = (
        await Patient.select(Patient.id)
        .where((Patient.mrn == mrn_index(keyring, mrn)) | legacy)
        .first()
    )
    return found["id"] if found else None


async def find_by_email(keyring: KeyRing, email: str) -> list[int]:
    rows = await Patient.select(Patient.id).where(
        Patient.email_index == email_index(keyring, email)
    )
    return [row["id"] for row in rows]


async def create_patient(
    keyring: KeyRing, values: Mapping[str, str], preferred_language: str = "en"
) -> int:
    """Insert one patient; `values` must include the MRN."""
    return (await create_patients(keyring, [(values, preferred_language)]))[0]


async def create_patients(
    keyring: KeyRing, patients: Iterable[tuple[Mapping[str, str], str]]
) -> list[int]:
    """Insert many patients in one statement (ids in the same order)."""
    rows = []
    for values, language in patients:
        if not values.get("mrn", "").strip():
            raise ValueError("a patient needs an MRN")
        crypto_id = new_crypto_id()
        stored = patient_values_to_row(keyring, crypto_id, values)
        rows.append(Patient(crypto_id=crypto_id, preferred_language=language, **stored))
    if not rows:
        return []
    inserted = await Patient.insert(*rows).returning(Patient.id)
    return [row["id"] for row in inserted]


async def update_patient(
    keyring: KeyRing,
    patient_id: int,
    values: Mapping[str, str],
    preferred_language: str | None = None,
) -> None:
    """Overwrite the PHI given. A row still in clear is encrypted whole, so that no row ever
    mixes clear and encrypted values (its other columns are read and re-written)."""
    row = await Patient.select(*READ_COLUMNS).where(Patient.id == patient_id).first()
    if row is None:
        raise LookupError("no such patient")
    crypto_id = row["crypto_id"]
    merged: dict[str, str] = dict(values)
    if not crypto_id:
        crypto_id = new_crypto_id()
        current = decrypt_patient(keyring, row)
        merged = {column: current[column] for column in PHI_COLUMNS} | merged
    changes: dict[Any, Any] = {
        _column(column): value
        for column, value in patient_values_to_row(keyring, crypto_id, merged).items()
    }
    changes[Patient.crypto_id] = crypto_id
    if preferred_language is not None:
        changes[Patient.preferred_language] = preferred_language
    await Patient.update(changes).where(Patient.id == patient_id)


async def read_patients(keyring: KeyRing, patient_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Decrypted details (id, names, email, phone, mrn, preferred_language), by id."""
    ids = list(patient_ids)
    if not ids:
        return []
    rows = await Patient.select(*READ_COLUMNS).where(Patient.id.is_in(ids)).order_by(Patient.id)
    return [decrypt_patient(keyring, row) for row in rows]


async def with_email(patient_ids: Iterable[int]) -> list[int]:
    """Which of these patients have an email address (none is opened: an empty one is "")."""
    ids = list(patient_ids)
    if not ids:
        return []
    rows = await (
        Patient.select(Patient.id)
        .where(Patient.id.is_in(ids) & (Patient.email != ""))
        .order_by(Patient.id)
    )
    return [row["id"] for row in rows]


async def read_patient(keyring: KeyRing, patient_id: int) -> dict[str, Any] | None:
    found = await read_patients(keyring, [patient_id])
    return found[0] if found else None


def _stale(keyring: KeyRing) -> Any:
    """Rows with anything not under the current key (or still in clear)."""
    condition = Patient.crypto_id == ""
    for name in STORED_IN.values():
        column = _column(name)
        condition = condition | ((column != "") & column.not_like(f"{keyring.current_prefix}%"))
    return condition


async def patients_to_rotate(keyring: KeyRing) -> int:
    return await Patient.count().where(_stale(keyring))


async def rotate_patients(keyring: KeyRing, after_id: int, limit: int) -> RotationBatch:
    """Re-encrypt (or first encrypt) one batch under the current key, committed together.

    A row is written only if it still holds what was read (integrations.reencrypt), so a
    patient updated meanwhile by an import keeps the newer details."""

    def rewrite(row: dict[str, Any]) -> dict[Any, Any]:
        opened = decrypt_patient(keyring, row)
        crypto_id = row["crypto_id"] or new_crypto_id()
        values = {field: opened[field] for field in PHI_COLUMNS}
        changes = patient_values_to_row(keyring, crypto_id, values)
        return {_column(column): value for column, value in changes.items()} | {
            Patient.crypto_id: crypto_id
        }

    return await rotate_rows(
        Patient,
        read=READ_COLUMNS,
        stale=_stale(keyring),
        compared=(Patient.crypto_id, Patient.mrn, *map(_column, STORED_IN.values())),
        rewrite=rewrite,
        after_id=after_id,
        limit=limit,
    )
