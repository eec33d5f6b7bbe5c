"""Email test helpers; the SMTP server fixtures live in tests/conftest.py."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

MAIL_FROM = "Patient Experience <no-reply@hospital.example.org>"


def client_context_trusting(certificate: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certificate)


@pytest.fixture
def mail_from() -> str:
    return MAIL_FROM


@pytest.fixture
def outgoing() -> Any:
    """A factory of valid OutgoingEmail values (synthetic example.org people)."""
    from integrations.email import OutgoingEmail

    def make(number: int = 1, **overrides: Any) -> OutgoingEmail:
        values: dict[str, Any] = {
            "kind": "improvement",
            "business_key": f"improvement:12:patient:{number}",
            "recipient": f"patient{number}@example.org",
            "subject": "We made a change after your visit",
            "text": f"You said, we did (message {number}).",
            "html": f"<p>You said, <strong>we did</strong> (message {number}).</p>",
            "headers": {"List-Unsubscribe": f"<https://hospital.example.org/u/{number}>"},
        }
        values.update(overrides)
        return OutgoingEmail(**values)

    return make
