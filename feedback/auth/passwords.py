"""argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong email costs as much time as a
# wrong password and the timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("no account has this password; it only burns the same time")

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


class PasswordRejected(ValueError):
    pass


def check_new_password(password: str) -> None:
    """Length rules per NIST 800-63B; no composition rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected(f"Passwords can have at most {MAX_PASSWORD_LENGTH} characters.")


def hash_password(password: str) -> str:
    check_new_password(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
