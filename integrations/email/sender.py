"""Sending one MIME message: the `MailSender` protocol and its SMTP adapter.

smtplib is blocking, so each send runs in a worker thread with a socket timeout (a thread
cannot be cancelled; the timeout is what bounds it). Failures are sorted into two kinds the
dispatcher acts on: temporary (retry later) and permanent (dead letter). Their `reason` is
stored in the outbox, so it names the SMTP code and exception type only, never the server's
reply text, which often quotes the recipient address.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

DEFAULT_TIMEOUT = 30.0
_ENHANCED_STATUS = re.compile(rb"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


class DeliveryError(Exception):
    """A send failed; `reason` is short and safe to store (no address, no content)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryError):
    """Worth retrying later: 4xx replies, connection and TLS errors, timeouts."""


class PermanentFailure(DeliveryError):
    """Will never succeed as it is: 5xx replies about this message."""


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Deliver `message` or raise TemporaryFailure / PermanentFailure."""
        ...


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    mail_from: str
    security: str = "plain"  # "plain" | "starttls" | "tls"
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_url(
        cls,
        smtp_url: str,
        mail_from: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> SmtpSender:
        """smtp://host:port (plain), smtp+starttls://host:port, smtps://host:port (implicit
        TLS); optional user:password@ (percent-encoded). TLS verifies certificates unless a
        custom `ssl_context` says otherwise."""
        parts = urlsplit(smtp_url)
        schemes = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
        if parts.scheme not in schemes or not parts.hostname:
            # The URL may hold a password: name the scheme only.
            raise ValueError(f"unsupported SMTP URL (scheme {parts.scheme or 'missing'!r})")
        security, default_port = schemes[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            mail_from=mail_from,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            timeout=timeout,
            ssl_context=ssl_context,
        )

    def __repr__(self) -> str:
        # The default dataclass repr would print the password into any log or traceback.
        return f"SmtpSender({self.security}://{self.host}:{self.port})"

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send_blocking, message)

    def _send_blocking(self, message: EmailMessage) -> None:
        try:
            with self._connect() as client:
                if self.security == "starttls":
                    client.starttls(context=self._context())
                if self.username is not None:
                    client.login(self.username, self.password or "")
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = max(exc.recipients.values(), default=(450, b""))
            raise _by_code(code, "recipient refused", reply) from None
        except smtplib.SMTPAuthenticationError as exc:
            # A wrong password is our configuration, not this message: retry, don't bury it.
            raise TemporaryFailure(f"smtp {exc.smtp_code} authentication failed") from None
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, type(exc).__name__, exc.smtp_error) from None
        except smtplib.SMTPNotSupportedError:
            raise TemporaryFailure("server lacks a required extension (STARTTLS or AUTH)") from None
        except ssl.SSLCertVerificationError:
            raise TemporaryFailure("TLS certificate verification failed") from None
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused/reset, timeouts, TLS errors, a server that hung up.
            raise TemporaryFailure(f"connection error ({type(exc).__name__})") from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()


def _by_code(code: int, what: str, reply: bytes | str = b"") -> DeliveryError:
    reply_bytes = reply.encode("utf-8", "replace") if isinstance(reply, str) else reply
    match = _ENHANCED_STATUS.match(reply_bytes or b"")
    detail = f" {match.group(1).decode()}" if match else ""
    reason = f"smtp {code}{detail} {what}"
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return TemporaryFailure(reason)
