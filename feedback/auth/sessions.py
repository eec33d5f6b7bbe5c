"""Server-side staff sessions, stored in the database so every worker process shares them.

The cookie carries a random 256-bit token; the table stores only its SHA-256, so a copy of the
database does not hand out live sessions. Idle and absolute timeouts are enforced here, on every
request, not by cookie expiry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from feedback.auth.roles import CurrentStaff, Role
from feedback.tables import StaffSession, StaffUser
from integrations.db_values import aware, loaded

# Writing last_seen_at on every request would turn each page view into a write; refreshing it
# at most once a minute can only make a session expire slightly early, never late.
TOUCH_INTERVAL = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta
    absolute: dt.timedelta


@dataclass(frozen=True)
class ActiveSession:
    id: int
    staff: CurrentStaff
    flash: list[dict[str, str]]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def start_session(user_id: int, replaces_token: str | None = None) -> str:
    """Create a new session (a new id at every login) and end the one it replaces, if any."""
    token = secrets.token_urlsafe(32)
    now = _now()
    async with StaffSession._meta.db.transaction():
        if replaces_token:
            await StaffSession.delete().where(StaffSession.token_hash == _hash(replaces_token))
        await StaffSession.insert(
            StaffSession(token_hash=_hash(token), user=user_id, created_at=now, last_seen_at=now)
        )
        await StaffUser.update({StaffUser.last_login_at: now}).where(StaffUser.id == user_id)
    return token


async def end_session(token: str) -> None:
    await StaffSession.delete().where(StaffSession.token_hash == _hash(token))


async def end_all_sessions_of(user_id: int) -> None:
    await StaffSession.delete().where(StaffSession.user == user_id)


async def load_session(token: str, policy: SessionPolicy) -> ActiveSession | None:
    """The live session for `token`, or None; an expired session is deleted on sight."""
    row = (
        await StaffSession.select(
            StaffSession.id,
            StaffSession.created_at,
            StaffSession.last_seen_at,
            StaffSession.flash,
            StaffSession.emergency_until,
            StaffSession.user.id,
            StaffSession.user.email,
            StaffSession.user.display_name,
            StaffSession.user.role,
            StaffSession.user.is_active,
            StaffSession.user.department.id,
            StaffSession.user.department.name,
        )
        .where(StaffSession.token_hash == _hash(token))
        .first()
    )
    if row is None:
        return None
    now = _now()
    expired = (
        now - aware(row["last_seen_at"]) > policy.idle
        or now - aware(row["created_at"]) > policy.absolute
        or not row["user.is_active"]
    )
    if expired:
        await StaffSession.delete().where(StaffSession.id == row["id"])
        return None
    if now - aware(row["last_seen_at"]) > TOUCH_INTERVAL:
        await StaffSession.update({StaffSession.last_seen_at: now}).where(
            StaffSession.id == row["id"]
        )
    staff = CurrentStaff(
        id=row["user.id"],
        email=row["user.email"],
        display_name=row["user.display_name"],
        role=Role(row["user.role"]),
        department_id=row["user.department.id"],
        department_name=row["user.department.name"],
        emergency_access=bool(row["emergency_until"]) and aware(row["emergency_until"]) > now,
    )
    return ActiveSession(id=row["id"], staff=staff, flash=_as_list(row["flash"]))


async def add_flash(session_id: int, level: str, message: str) -> None:
    async with StaffSession._meta.db.transaction():
        row = (
            await StaffSession.select(StaffSession.flash)
            .where(StaffSession.id == session_id)
            .first()
        )
        if row is None:
            return
        messages = [*_as_list(row["flash"]), {"level": level, "message": message}]
        await StaffSession.update({StaffSession.flash: messages}).where(
            StaffSession.id == session_id
        )


async def clear_flash(session_id: int) -> None:
    await StaffSession.update({StaffSession.flash: []}).where(StaffSession.id == session_id)


async def purge_expired_sessions(policy: SessionPolicy) -> int:
    cutoff_idle = _now() - policy.idle
    cutoff_absolute = _now() - policy.absolute
    deleted = (
        await StaffSession.delete()
        .where(
            (StaffSession.last_seen_at < cutoff_idle) | (StaffSession.created_at < cutoff_absolute)
        )
        .returning(StaffSession.id)
    )
    return len(deleted)


def _as_list(value: object) -> list[dict[str, str]]:
    value = loaded(value or "[]")
    return list(value) if isinstance(value, list) else []
