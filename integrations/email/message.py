"""What the upper floors hand us (`OutgoingEmail`) and the MIME message built from an outbox row.

The MIME message is rebuilt from the stored row at every attempt and comes out the same each
time (Message-ID and Date derive from the row), so a resend after a crash carries the same
Message-ID and receiving systems can recognise the duplicate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from integrations.db_values import aware

# Headers we set ourselves; letting a caller override them would break threading, the stable
# Message-ID, or let a template add recipients (Cc/Bcc) that the outbox never recorded.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "sender",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
        "return-path",
    }
)
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,75}$")

# Column sizes of OutboxMessage: checked here so a too-long value fails in the caller's code
# with a clear message instead of as a database error (which PostgreSQL would raise and
# SQLite would silently accept).
MAX_KIND = 50
MAX_BUSINESS_KEY = 200
MAX_SUBJECT = 300


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to one recipient, identified by a business key that makes it unique."""

    kind: str
    business_key: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kind or len(self.kind) > MAX_KIND:
            raise ValueError(f"kind must be 1..{MAX_KIND} characters")
        if not self.business_key or len(self.business_key) > MAX_BUSINESS_KEY:
            raise ValueError(f"business_key must be 1..{MAX_BUSINESS_KEY} characters")
        if len(self.subject) > MAX_SUBJECT:
            raise ValueError(f"subject must be at most {MAX_SUBJECT} characters")
        if _has_line_break(self.subject):
            raise ValueError("subject must be a single line")
        if not is_single_address(self.recipient):
            # The address itself is PHI: never echo it in the error.
            raise ValueError("recipient must be exactly one email address")
        for name, value in self.headers.items():
            check_header(name, value)


def is_single_address(value: str) -> bool:
    if _has_line_break(value) or "," in value or ";" in value:
        return False
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain.strip(".")) and " " not in address


def check_header(name: str, value: str) -> None:
    if not _HEADER_NAME.match(name):
        raise ValueError(f"header name {name!r} is not a valid header name")
    if name.lower() in RESERVED_HEADERS:
        raise ValueError(f"header {name!r} is set by the outbox and cannot be overridden")
    if not isinstance(value, str) or _has_line_break(value):
        raise ValueError(f"header {name!r} must be a single-line string")


def _has_line_break(value: str) -> bool:
    return "\r" in value or "\n" in value


def message_id(row_id: int, business_key: str, mail_from: str) -> str:
    digest = hashlib.sha256(business_key.encode("utf-8")).hexdigest()[:12]
    return f"<outbox-{row_id}-{digest}@{sender_domain(mail_from)}>"


def sender_domain(mail_from: str) -> str:
    _, address = parseaddr(mail_from)
    domain = address.rpartition("@")[2].strip().strip(">")
    if not domain:
        raise ValueError("mail_from must contain an email address")
    return domain.lower()


def build_message(row: Mapping[str, Any], mail_from: str) -> EmailMessage:
    """The MIME message for an outbox row (a dict with the OutboxMessage columns)."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(aware(row["created_at"]))
    message["Message-ID"] = message_id(row["id"], row["business_key"], mail_from)
    for name, value in (row.get("headers") or {}).items():
        message[name] = value
    message.set_content(row["body_text"])
    if row.get("body_html"):
        message.add_alternative(row["body_html"], subtype="html")
    return message
