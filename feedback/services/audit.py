"""The audit trail: who did what to which object, when and from where. Never PHI values."""

from __future__ import annotations

from typing import Any

from feedback.auth.roles import CurrentStaff
from feedback.tables import AuditEvent


async def record(
    action: str,
    *,
    actor: CurrentStaff | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str | int = "",
    client_address: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            actor_id=actor.id if actor else None,
            actor_label=actor.email if actor else actor_label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            client_address=client_address,
            detail=detail or {},
        )
    )
