"""Roles and what each may see (DESIGN.md §6). Pure: no web, no database."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    ADMIN = "admin"
    EXECUTIVE = "executive"
    LEAD = "lead"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {
            Role.ADMIN: "Administrator",
            Role.EXECUTIVE: "Executive",
            Role.LEAD: "Department lead",
            Role.STAFF: "Staff",
        }[self]

    @property
    def needs_department(self) -> bool:
        return self in (Role.LEAD, Role.STAFF)


@dataclass(frozen=True)
class CurrentStaff:
    """The signed-in staff member as the request sees it."""

    id: int
    email: str
    display_name: str
    role: Role
    department_id: int | None
    department_name: str | None
    # Break-glass: this session may read every department for a while (never change them).
    emergency_access: bool = False

    def sees_all_departments(self) -> bool:
        return self.role in (Role.ADMIN, Role.EXECUTIVE) or self.emergency_access

    def can_view_department(self, department_id: int | None) -> bool:
        if self.sees_all_departments():
            return True
        return department_id is not None and department_id == self.department_id

    def can_change_department(self, department_id: int | None) -> bool:
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.LEAD and department_id == self.department_id

    def department_scope(self) -> int | None:
        """The department a query must be limited to, or None for the whole organisation."""
        return None if self.sees_all_departments() else self.department_id
