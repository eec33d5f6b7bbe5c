"""Row factories for tests: real rows through the real services where a service exists."""

from __future__ import annotations

import datetime as dt
import itertools

from feedback.services.staff import NewStaff, create_staff
from integrations.crypto import KeyRing
from surveys.patients import create_patient
from surveys.tables import Department, Location, Visit
from tests.conftest import make_settings

# Every test's settings derive the same development keys from the test SECRET_KEY.
KEYRING: KeyRing = make_settings("sqlite:///unused").keyring

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


async def department(name: str | None = None) -> int:
    number = next(_counter)
    name = name or f"Department {number}"
    row = await Department.insert(Department(name=name, slug=f"dept-{number}")).returning(
        Department.id
    )
    return row[0]["id"]


async def location(name: str | None = None) -> int:
    number = next(_counter)
    row = await Location.insert(
        Location(name=name or f"Location {number}", slug=f"loc-{number}")
    ).returning(Location.id)
    return row[0]["id"]


async def staff(role: str, department_id: int | None = None, email: str | None = None) -> str:
    email = email or f"{role}{next(_counter)}@hospital.example.org"
    await create_staff(NewStaff(email, f"{role.title()} Person", role, department_id, PASSWORD))
    return email


async def patient(**values: str) -> int:
    """A patient stored as the service stores them (encrypted, with blind indexes)."""
    number = next(_counter)
    details = {"given_name": "Test", "family_name": f"Patient{number}", "mrn": f"T-{number}"}
    return await create_patient(KEYRING, details | values)


async def visit(department_id: int, location_id: int, days_ago: int = 1) -> int:
    patient_id = await patient()
    row = await Visit.insert(
        Visit(
            patient=patient_id,
            location=location_id,
            department=department_id,
            visit_date=dt.date.today() - dt.timedelta(days=days_ago),
            visit_type="clinic",
        )
    ).returning(Visit.id)
    return row[0]["id"]
