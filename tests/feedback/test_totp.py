"""TOTP against the RFC 6238 test vectors, and single use."""

from __future__ import annotations

import base64

import pytest

from feedback.auth import totp

# RFC 6238 Appendix B: the SHA-1 key is the ASCII string "12345678901234567890"; the RFC
# prints 8 digits, of which our 6-digit codes are the last six.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "eight_digits"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_vectors(unix_time: int, eight_digits: str) -> None:
    assert totp.code_at(RFC_SECRET, totp.current_step(unix_time)) == eight_digits[-6:]


def test_a_code_works_once_and_only_near_its_time() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.current_step(now)
    code = totp.code_at(secret, step)
    assert totp.matching_step(secret, code, last_used_step=0, now=now) == step
    assert totp.matching_step(secret, code, last_used_step=step, now=now) is None  # replayed
    assert totp.matching_step(secret, code, 0, now=now + 30) == step  # one step late: forgiven
    assert totp.matching_step(secret, code, 0, now=now + 90) is None  # too late
    assert totp.matching_step(secret, "12345", 0, now=now) is None
    assert totp.matching_step(secret, "abcdef", 0, now=now) is None


def test_the_provisioning_uri_is_what_authenticator_apps_read() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "ada@hospital.example.org", "Patient Feedback")
    assert uri.startswith("otpauth://totp/Patient%20Feedback%3Aada%40hospital.example.org?")
    assert "secret=JBSWY3DPEHPK3PXP" in uri and "issuer=Patient+Feedback" in uri
