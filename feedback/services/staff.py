"""Staff accounts: creation, sign-in checks, listing, deactivation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedback.auth.passwords import (
    PasswordRejected,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from feedback.auth.roles import CurrentStaff, Role
from feedback.auth.sessions import end_all_sessions_of
from feedback.tables import StaffUser
from surveys.tables import Department

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class StaffError(ValueError):
    """A request about staff accounts that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class NewStaff:
    email: str
    display_name: str
    role: str
    department_id: int | None
    password: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create_staff(new: NewStaff) -> int:
    email = normalise_email(new.email)
    errors: dict[str, str] = {}
    if not EMAIL_PATTERN.match(email):
        errors["email"] = "Enter an email address like name@hospital.org."
    if not new.display_name.strip():
        errors["display_name"] = "Enter the person's name."
    try:
        role = Role(new.role)
    except ValueError:
        errors["role"] = "Choose a role."
        role = None
    if role is not None and role.needs_department and new.department_id is None:
        errors["department_id"] = f"A {role.label.lower()} belongs to a department; choose one."
    if role is not None and not role.needs_department and new.department_id is not None:
        errors["department_id"] = f"A {role.label.lower()} sees every department; leave it empty."
    if new.department_id is not None and not await Department.exists().where(
        Department.id == new.department_id
    ):
        errors["department_id"] = "That department does not exist."
    try:
        check_new_password(new.password, (email, new.display_name))
        password_hash = hash_password(new.password)
    except PasswordRejected as exc:
        errors["password"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    async with StaffUser._meta.db.transaction():
        if await StaffUser.exists().where(StaffUser.email == email):
            raise FieldErrors({"email": "An account with this email already exists."})
        rows = await StaffUser.insert(
            StaffUser(
                email=email,
                display_name=new.display_name.strip(),
                password_hash=password_hash,
                role=role.value if role else "",
                department=new.department_id,
            )
        ).returning(StaffUser.id)
    return rows[0]["id"]


class FieldErrors(StaffError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


async def authenticate(email: str, password: str) -> int | None:
    """The id of the active account these credentials open, or None (same cost either way)."""
    row = (
        await StaffUser.select(StaffUser.id, StaffUser.password_hash, StaffUser.is_active)
        .where(StaffUser.email == normalise_email(email))
        .first()
    )
    stored_hash = row["password_hash"] if row else None
    if not verify_password(stored_hash, password) or row is None or not row["is_active"]:
        return None
    if needs_rehash(row["password_hash"]):
        await StaffUser.update({StaffUser.password_hash: hash_password(password)}).where(
            StaffUser.id == row["id"]
        )
    return row["id"]


def _staff_columns():  # type: ignore[no-untyped-def]
    return StaffUser.select(
        StaffUser.id,
        StaffUser.email,
        StaffUser.display_name,
        StaffUser.role,
        StaffUser.is_active,
        StaffUser.last_login_at,
        StaffUser.mfa_enrolled_at,
        StaffUser.department.name.as_alias("department_name"),
    )


async def list_staff() -> list[dict]:
    return await _staff_columns().order_by(StaffUser.role).order_by(StaffUser.display_name)


async def set_active(actor: CurrentStaff, user_id: int, active: bool) -> dict:
    if actor.role is not Role.ADMIN:
        raise StaffError("Only administrators can change accounts.")
    if user_id == actor.id and not active:
        raise StaffError("You cannot deactivate your own account.")
    row = await StaffUser.select(StaffUser.id).where(StaffUser.id == user_id).first()
    if row is None:
        raise StaffError("That account does not exist.")
    await StaffUser.update({StaffUser.is_active: active}).where(StaffUser.id == user_id)
    if not active:
        await end_all_sessions_of(user_id)
    return await staff_row(user_id)


async def staff_row(user_id: int) -> dict:
    row = await _staff_columns().where(StaffUser.id == user_id).first()
    if row is None:
        raise StaffError("That account does not exist.")
    return row


async def department_leads(department_id: int) -> list[dict]:
    """Id and email of every active lead of a department: who urgent alerts and escalations
    go to. Written out rather than built by Piccolo's query builder, since an urgent alert
    runs inside a patient's survey submission."""
    return await StaffUser.raw(
        "SELECT id, email FROM staff_user WHERE department = {} AND role = {} AND is_active = {}",
        department_id,
        Role.LEAD.value,
        True,
    )


async def departments() -> list[dict]:
    return await Department.select(Department.id, Department.name).order_by(Department.name)
