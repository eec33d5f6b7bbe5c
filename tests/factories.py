"""Row factories for tests: real rows through the real services where a service exists."""

from __future__ import annotations

import datetime as dt
import itertools

from feedback.services.staff import NewStaff, create_staff
from surveys.tables import Department, Location, Patient, Visit

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


async def visit(department_id: int, location_id: int, days_ago: int = 1) -> int:
    number = next(_counter)
    patient = await Patient.insert(
        Patient(given_name="Test", family_name=f"Patient{number}", mrn=f"T-{number}")
    ).returning(Patient.id)
    row = await Visit.insert(
        Visit(
            patient=patient[0]["id"],
            location=location_id,
            department=department_id,
            visit_date=dt.date.today() - dt.timedelta(days=days_ago),
            visit_type="clinic",
        )
    ).returning(Visit.id)
    return row[0]["id"]
