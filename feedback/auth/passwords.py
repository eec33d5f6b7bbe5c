"""argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import functools
import re

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


# What people reach for when asked for a long password: a common one padded with digits,
# repeated, a keyboard or number run, or the name of the place they work.
_SERVICE_WORDS = frozenset({"hospital", "patient", "feedback", "welcome", "clinic", "health"})
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm")


@functools.cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most frequent passwords of public breach corpora (offline).
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _base(password: str) -> str:
    """The word under the padding: lower case, digits and symbols trimmed off both ends."""
    return password.lower().strip("0123456789!@#$%^&*()_-+=.,?~ ")


def _is_repetition(text: str) -> bool:
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )


def _is_run(text: str) -> bool:
    compact = text.lower().replace(" ", "")
    return any(compact in line or compact in line[::-1] for line in _SEQUENCES)


def check_new_password(password: str, context: tuple[str, ...] = ()) -> None:
    """NIST SP 800-63B §5.1.1.2: a length floor, no composition rules, and refusal of values
    that are commonly used, expected or compromised, or that name the person or service."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected(f"Passwords can have at most {MAX_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    base = _base(password)
    common = _common_passwords()
    candidates = {lowered, base, base.translate(_LEET), lowered.translate(_LEET)}
    if candidates & common or _is_repetition(lowered) or _is_run(lowered):
        raise PasswordRejected(
            "That password is too common or too predictable (it appears in lists of breached "
            "passwords, repeats itself or follows the keyboard). A few unrelated words work well."
        )
    words = {word.lower() for item in context for word in _words(item) if len(word) >= 4}
    if base in _SERVICE_WORDS | words or any(_is_repetition_of(base, w) for w in words):
        raise PasswordRejected(
            "That password is built from your name, your email or this service's name; "
            "choose something that is not about you or here."
        )


def _words(text: str) -> list[str]:
    return [part for part in re.split(r"[^a-zA-Z]+", text.split("@")[0]) if part]


def _is_repetition_of(text: str, word: str) -> bool:
    return bool(text) and len(text) % len(word) == 0 and text == word * (len(text) // len(word))


def hash_password(password: str) -> str:
    """Hash without judging: new passwords are checked by check_new_password first; an
    existing password being re-hashed at sign-in must not be refused."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
