"""New passwords per NIST SP 800-63B: long enough, not common, not about the person."""

from __future__ import annotations

import pytest

from feedback.auth.passwords import (
    PasswordRejected,
    check_new_password,
    hash_password,
    verify_password,
)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Tulips in the car park at dawn",
        "mauve-otter-ledger-91",
        "q8#Lm2!vZr0p",
    ],
)
def test_long_uncommon_passwords_pass_without_composition_rules(password: str) -> None:
    check_new_password(password, ("ada.lovelace@hospital.example.org", "Ada Lovelace"))


@pytest.mark.parametrize(
    "password",
    [
        "password1234",  # a breached password padded with digits
        "Password2024!",
        "iloveyou12345",
        "p4ssw0rd2024!!",  # leetspeak of one
        "1qaz2wsx3edc",  # in the breach list as it is
        "qwertyuiopas",  # a keyboard run
        "abcdefghijklmnop",  # an alphabet run
        "aaaaaaaaaaaa",  # one character
        "abcabcabcabc",  # a repeated unit
    ],
)
def test_common_and_predictable_passwords_are_refused(password: str) -> None:
    with pytest.raises(PasswordRejected, match="too common or too predictable"):
        check_new_password(password)


@pytest.mark.parametrize("password", ["lovelace2024!", "Hospital12345", "feedbackfeedback"])
def test_passwords_about_the_person_or_the_service_are_refused(password: str) -> None:
    with pytest.raises(PasswordRejected):
        check_new_password(password, ("ada.lovelace@hospital.example.org", "Ada Lovelace"))


def test_length_limits() -> None:
    with pytest.raises(PasswordRejected, match="at least 12"):
        check_new_password("short pass")
    with pytest.raises(PasswordRejected, match="at most 256"):
        check_new_password("x" * 257)


def test_an_old_weak_password_can_still_be_verified_and_rehashed() -> None:
    # Sign-in re-hashes with current parameters; it must not refuse an existing password.
    stored = hash_password("password1234")
    assert verify_password(stored, "password1234")
