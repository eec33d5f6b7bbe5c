"""SmtpSender: URL forms, TLS with certificate verification, AUTH, and how failures sort."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from integrations.email import PermanentFailure, SmtpSender, TemporaryFailure
from tests.conftest import unavailable


def a_message(mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = "patient@example.org"
    message["Subject"] = "Hello"
    message.set_content("Body")
    return message


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("smtp://127.0.0.1:8025", "plain", 8025),
        ("smtp+starttls://mail.example.org", "starttls", 587),
        ("smtps://mail.example.org", "tls", 465),
    ],
)
def test_url_forms(url, security, port):
    sender = SmtpSender.from_url(url, "a@example.org")
    assert (sender.host, sender.port, sender.security) == (
        url.split("//")[1].split(":")[0],
        port,
        security,
    )
    assert sender.username is None


def test_credentials_are_read_from_the_url_and_never_shown():
    sender = SmtpSender.from_url(
        "smtps://mailer%40x:p%40ss%2Fword@mail.example.org:2465", "a@b.org"
    )
    assert (sender.username, sender.password, sender.port) == ("mailer@x", "p@ss/word", 2465)
    assert "p@ss" not in repr(sender) and "p%40ss" not in repr(sender)
    with pytest.raises(ValueError) as error:
        SmtpSender.from_url("http://user:secret@mail.example.org", "a@b.org")
    assert "secret" not in str(error.value)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (not trusted by the system's store)."""
    if shutil.which("openssl") is None:
        unavailable(
            "the openssl command is needed to make a test certificate", "CI must run the TLS tests"
        )
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[str, str]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


async def test_smtps_verifies_the_certificate(smtp_server, certificate, mail_from):
    smtp_server.options = {"ssl_context": server_context(certificate)}
    smtp_server.start()
    url = f"smtps://127.0.0.1:{smtp_server.port}"

    with pytest.raises(TemporaryFailure) as failure:
        await SmtpSender.from_url(url, mail_from, timeout=5).send(a_message(mail_from))
    assert failure.value.reason == "TLS certificate verification failed"

    trusting = ssl.create_default_context(cafile=certificate[0])
    await SmtpSender.from_url(url, mail_from, timeout=5, ssl_context=trusting).send(
        a_message(mail_from)
    )
    assert len(smtp_server.mailbox.messages) == 1


async def test_starttls_upgrades_before_sending(smtp_server, certificate, mail_from):
    smtp_server.options = {"tls_context": server_context(certificate), "require_starttls": True}
    smtp_server.start()
    url = f"smtp+starttls://127.0.0.1:{smtp_server.port}"
    trusting = ssl.create_default_context(cafile=certificate[0])
    await SmtpSender.from_url(url, mail_from, timeout=5, ssl_context=trusting).send(
        a_message(mail_from)
    )
    assert len(smtp_server.mailbox.messages) == 1
    with pytest.raises(TemporaryFailure):
        await SmtpSender.from_url(url, mail_from, timeout=5).send(a_message(mail_from))


def only(username: bytes, password: bytes):  # type: ignore[no-untyped-def]
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            username,
            password,
        )
        return AuthResult(success=ok, handled=False)

    return authenticator


async def test_auth_with_url_credentials(smtp_server, mail_from):
    smtp_server.options = {
        "authenticator": only(b"mailer", b"p@ss"),
        "auth_require_tls": False,
    }
    smtp_server.start()
    good = f"smtp://mailer:p%40ss@127.0.0.1:{smtp_server.port}"
    await SmtpSender.from_url(good, mail_from, timeout=5).send(a_message(mail_from))
    assert len(smtp_server.mailbox.messages) == 1

    bad = f"smtp://mailer:wrong@127.0.0.1:{smtp_server.port}"
    with pytest.raises(TemporaryFailure) as failure:
        await SmtpSender.from_url(bad, mail_from, timeout=5).send(a_message(mail_from))
    assert failure.value.reason.endswith("authentication failed")


async def test_replies_sort_into_temporary_and_permanent(mail_server, mail_from):
    sender = SmtpSender.from_url(mail_server.url, mail_from, timeout=5)
    mail_server.mailbox.data_reply = "554 5.7.1 <patient@example.org> message refused"
    with pytest.raises(PermanentFailure) as permanent:
        await sender.send(a_message(mail_from))
    assert permanent.value.reason == "smtp 554 5.7.1 SMTPDataError"
    mail_server.mailbox.data_reply = "421 4.7.0 slow down"
    with pytest.raises(TemporaryFailure) as temporary:
        await sender.send(a_message(mail_from))
    assert "example.org" not in temporary.value.reason
