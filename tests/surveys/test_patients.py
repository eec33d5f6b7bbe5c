"""Patient details are stored encrypted, bound to their row, and found by blind index."""

from __future__ import annotations

import pytest

from integrations.crypto import DecryptionError
from surveys.patients import (
    create_patient,
    find_by_email,
    find_by_mrn,
    read_patient,
    update_patient,
)
from surveys.tables import Patient
from tests.factories import KEYRING

ANA = {
    "given_name": "Ana",
    "family_name": "Quintero-Ulloa",
    "email": "Ana.Q@Example.org",
    "phone": "+1-555-0199",
    "mrn": "MRN-77031",
}


async def test_details_round_trip_and_the_row_holds_none_of_them(db):
    patient_id = await create_patient(KEYRING, ANA, "es")
    stored = await Patient.select().where(Patient.id == patient_id).first()
    for value in ANA.values():
        assert value not in str(stored)
    assert stored["crypto_id"] and stored["given_name"].startswith("v1:dev:")
    assert await read_patient(KEYRING, patient_id) == {
        "id": patient_id,
        **ANA,
        "preferred_language": "es",
    }


async def test_patients_are_found_by_email_and_mrn_and_an_mrn_is_unique(db):
    patient_id = await create_patient(KEYRING, ANA)
    await create_patient(KEYRING, {**ANA, "mrn": "MRN-2", "email": "someone@example.org"})
    assert await find_by_email(KEYRING, "  ana.q@example.ORG ") == [patient_id]
    assert await find_by_mrn(KEYRING, "MRN-77031") == patient_id
    assert await find_by_mrn(KEYRING, "MRN-77032") is None
    with pytest.raises(Exception, match=r"(?i)unique"):
        await create_patient(KEYRING, {**ANA, "given_name": "Another"})


async def test_a_value_copied_into_another_patients_row_does_not_open(db):
    ana = await create_patient(KEYRING, ANA)
    ben = await create_patient(KEYRING, {**ANA, "given_name": "Ben", "mrn": "MRN-9"})
    stolen = await Patient.select(Patient.given_name).where(Patient.id == ana).first()
    await Patient.update({Patient.given_name: stolen["given_name"]}).where(Patient.id == ben)
    with pytest.raises(DecryptionError):
        await read_patient(KEYRING, ben)
    swapped = await Patient.select(Patient.email).where(Patient.id == ana).first()
    await Patient.update({Patient.phone: swapped["email"]}).where(Patient.id == ana)
    with pytest.raises(DecryptionError):  # another column of the same row
        await read_patient(KEYRING, ana)
    await Patient.update({Patient.given_name: "Mallory"}).where(Patient.id == ben)
    with pytest.raises(DecryptionError):  # a clear value does not pass for an encrypted one
        await read_patient(KEYRING, ben)


async def test_a_row_from_before_encryption_is_read_found_and_encrypted_on_update(db):
    await Patient.insert(
        Patient(given_name="Old", family_name="Row", email="old@example.org", mrn="MRN-OLD")
    )
    legacy = await find_by_mrn(KEYRING, "MRN-OLD")
    assert legacy is not None
    assert (await read_patient(KEYRING, legacy))["email"] == "old@example.org"
    await update_patient(KEYRING, legacy, {"phone": "+1-555-0101"})
    stored = await Patient.select().where(Patient.id == legacy).first()
    assert (
        stored["crypto_id"]
        and "old@example.org" not in str(stored)
        and "MRN-OLD" not in str(stored)
    )
    assert await find_by_mrn(KEYRING, "MRN-OLD") == legacy
    assert await find_by_email(KEYRING, "old@example.org") == [legacy]
    assert (await read_patient(KEYRING, legacy))["phone"] == "+1-555-0101"
