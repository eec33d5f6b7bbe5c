"""Two-step sign-in: a password opens a short-lived challenge, a TOTP code turns it into a
session. Required for the roles settings name (admins and leads by default), optional for the
others. Secrets are sealed with the encryption keys, bound to their row."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from feedback.auth import totp
from feedback.auth.roles import CurrentStaff, Role
from feedback.auth.sessions import end_all_sessions_of
from feedback.tables import MfaChallenge, StaffUser
from integrations.crypto import KeyRing, context
from integrations.db_values import aware
from integrations.reencrypt import RotationBatch, rotate_rows

CHALLENGE_LIFETIME = dt.timedelta(minutes=5)
MAX_CODE_FAILURES = 5
ISSUER = "Patient Feedback Loop"


class MfaError(ValueError):
    pass


@dataclass(frozen=True)
class Challenge:
    id: int
    user_id: int
    email: str
    enrolled: bool
    enrollment_secret: str
    next_path: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _secret_where(user_id: int) -> bytes:
    return context("staff_user", "totp_secret", str(user_id))


def _enrollment_where(challenge_id: int) -> bytes:
    return context("mfa_challenge", "enrollment_secret", str(challenge_id))


def required_roles(setting: str) -> frozenset[Role]:
    return frozenset(Role(part.strip()) for part in setting.split(",") if part.strip())


async def needs_second_step(user_id: int, required: frozenset[Role]) -> bool:
    row = (
        await StaffUser.select(StaffUser.role, StaffUser.mfa_enrolled_at)
        .where(StaffUser.id == user_id)
        .first()
    )
    return row is not None and (Role(row["role"]) in required or row["mfa_enrolled_at"] is not None)


async def open_challenge(
    user_id: int, next_path: str, keys: KeyRing, replaces: str | None = None
) -> str:
    """After a correct password: a challenge (not a session) and its cookie token. A user who
    has no authenticator yet gets a new secret to set up, shown on the code page."""
    token = secrets.token_urlsafe(32)
    user = await StaffUser.select(StaffUser.mfa_enrolled_at).where(StaffUser.id == user_id).first()
    async with MfaChallenge._meta.db.transaction():
        if replaces:  # signing in again from the same browser starts afresh
            await MfaChallenge.delete().where(MfaChallenge.token_hash == _hash(replaces))
        rows = await MfaChallenge.insert(
            MfaChallenge(token_hash=_hash(token), user=user_id, next_path=next_path[:300])
        ).returning(MfaChallenge.id)
        if user is not None and user["mfa_enrolled_at"] is None:
            sealed = keys.encrypt(totp.new_secret(), _enrollment_where(rows[0]["id"]))
            await MfaChallenge.update({MfaChallenge.enrollment_secret: sealed}).where(
                MfaChallenge.id == rows[0]["id"]
            )
    return token


async def load_challenge(token: str | None, keys: KeyRing) -> Challenge | None:
    if not token:
        return None
    row = await (
        MfaChallenge.select(
            MfaChallenge.id,
            MfaChallenge.created_at,
            MfaChallenge.enrollment_secret,
            MfaChallenge.next_path,
            MfaChallenge.user.id,
            MfaChallenge.user.email,
            MfaChallenge.user.mfa_enrolled_at,
            MfaChallenge.user.is_active,
        )
        .where(MfaChallenge.token_hash == _hash(token))
        .first()
    )
    if row is None:
        return None
    if _now() - aware(row["created_at"]) > CHALLENGE_LIFETIME or not row["user.is_active"]:
        await MfaChallenge.delete().where(MfaChallenge.id == row["id"])
        return None
    return Challenge(
        id=row["id"],
        user_id=row["user.id"],
        email=row["user.email"],
        enrolled=row["user.mfa_enrolled_at"] is not None,
        enrollment_secret=keys.decrypt(row["enrollment_secret"], _enrollment_where(row["id"])),
        next_path=row["next_path"],
    )


async def answer_challenge(challenge: Challenge, code: str, keys: KeyRing) -> bool:
    """True when the code is right (the challenge is then used up). Wrong codes are counted;
    the fifth ends the challenge, so guessing needs the password again."""
    if challenge.enrolled:
        user = (
            await StaffUser.select(StaffUser.totp_secret, StaffUser.totp_last_step)
            .where(StaffUser.id == challenge.user_id)
            .first()
        )
        secret = keys.decrypt(user["totp_secret"], _secret_where(challenge.user_id))
        last_step = user["totp_last_step"]
    else:
        secret, last_step = challenge.enrollment_secret, 0
    step = totp.matching_step(secret, code, last_step)
    if step is None:
        await _count_failure(challenge)
        return False
    async with MfaChallenge._meta.db.transaction():
        # The conditional update is what makes a code single-use when two tabs race with it.
        claimed = await (
            StaffUser.update(
                {
                    StaffUser.totp_last_step: step,
                    StaffUser.totp_secret: keys.encrypt(secret, _secret_where(challenge.user_id)),
                    StaffUser.mfa_enrolled_at: _now(),
                }
                if not challenge.enrolled
                else {StaffUser.totp_last_step: step}
            )
            .where((StaffUser.id == challenge.user_id) & (StaffUser.totp_last_step < step))
            .returning(StaffUser.id)
        )
        deleted = (
            await MfaChallenge.delete()
            .where(MfaChallenge.id == challenge.id)
            .returning(MfaChallenge.id)
        )
    return bool(claimed) and bool(deleted)


async def _count_failure(challenge: Challenge) -> None:
    rows = await (
        MfaChallenge.update({MfaChallenge.failures: MfaChallenge.failures + 1})
        .where(MfaChallenge.id == challenge.id)
        .returning(MfaChallenge.failures)
    )
    if rows and rows[0]["failures"] >= MAX_CODE_FAILURES:
        await MfaChallenge.delete().where(MfaChallenge.id == challenge.id)


async def reset_second_step(actor: CurrentStaff, user_id: int) -> None:
    """An administrator's answer to a lost phone: the person's sessions end and their next
    sign-in sets up a new app."""
    if actor.role is not Role.ADMIN:
        raise MfaError("Only administrators can reset two-step sign-in.")
    async with StaffUser._meta.db.transaction():
        rows = await (
            StaffUser.update(
                {
                    StaffUser.totp_secret: "",
                    StaffUser.totp_last_step: 0,
                    StaffUser.mfa_enrolled_at: None,
                }
            )
            .where(StaffUser.id == user_id)
            .returning(StaffUser.id)
        )
        if not rows:
            raise MfaError("That account does not exist.")
        await end_all_sessions_of(user_id)


def setup_details(challenge: Challenge) -> dict[str, str]:
    """What the set-up page shows: the key to type in and the address a QR code carries."""
    secret = challenge.enrollment_secret
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {
        "secret": grouped,
        "uri": totp.provisioning_uri(secret, challenge.email, ISSUER),
    }


async def purge_expired_challenges() -> None:
    await MfaChallenge.delete().where(MfaChallenge.created_at < _now() - CHALLENGE_LIFETIME)


def _stale_secret(keyring: KeyRing) -> Any:
    return StaffUser.totp_secret.like("v1:%") & StaffUser.totp_secret.not_like(
        f"{keyring.current_prefix}%"
    )


async def secrets_to_rotate(keyring: KeyRing) -> int:
    return await StaffUser.count().where(_stale_secret(keyring))


async def rotate_secrets(keyring: KeyRing, after_id: int, limit: int) -> RotationBatch:
    """Authenticator secrets move to the current key with everything else, so removing an old
    key never locks anyone out. (Set-up challenges live five minutes: they are not rotated.)"""

    def rewrite(row: dict[str, Any]) -> dict[Any, Any]:
        where = _secret_where(row["id"])
        return {StaffUser.totp_secret: keyring.reencrypt(row["totp_secret"], where)}

    return await rotate_rows(
        StaffUser,
        read=(StaffUser.totp_secret,),
        stale=_stale_secret(keyring),
        compared=(StaffUser.totp_secret,),
        rewrite=rewrite,
        after_id=after_id,
        limit=limit,
    )
