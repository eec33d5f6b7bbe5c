"""Queueing: the outbox row commits (or not) with the caller's transaction, once per key."""

from __future__ import annotations

import hashlib

import pytest

from integrations.email import (
    SENT,
    Dispatcher,
    OutgoingEmail,
    SmtpSender,
    build_message,
    enqueue,
    is_suppressed,
    suppress,
)
from integrations.tables import OutboxMessage

KEY = b"k" * 32


def dispatcher_for(server, mail_from: str, **options) -> Dispatcher:  # type: ignore[no-untyped-def]
    return Dispatcher(SmtpSender.from_url(server.url, mail_from, timeout=5), mail_from, **options)


async def test_queued_email_arrives_with_both_parts_headers_and_a_stable_message_id(
    db, mail_server, mail_from, outgoing
):
    notified: list[dict] = []

    async def on_sent(row: dict) -> None:
        notified.append(row)

    async with db.transaction():
        assert await enqueue(outgoing(7)) is True

    result = await dispatcher_for(mail_server, mail_from, on_sent=on_sent).run_once()

    assert (result.sent, result.retried, result.dead, result.skipped) == (1, 0, 0, 0)
    [row] = await OutboxMessage.select()
    [message] = mail_server.mailbox.messages
    digest = hashlib.sha256(b"improvement:12:patient:7").hexdigest()[:12]
    assert message["Message-ID"] == f"<outbox-{row['id']}-{digest}@hospital.example.org>"
    assert message["From"] == mail_from
    assert message["To"] == "patient7@example.org"
    assert message["Subject"] == "We made a change after your visit"
    assert message["Date"]
    assert message["List-Unsubscribe"] == "<https://hospital.example.org/u/7>"
    assert message.get_content_type() == "multipart/alternative"
    assert "You said, we did" in message.get_body(("plain",)).get_content()
    assert "<strong>we did</strong>" in message.get_body(("html",)).get_content()
    assert mail_server.mailbox.envelopes == [("no-reply@hospital.example.org", [row["recipient"]])]
    assert row["status"] == SENT and row["sent_at"] is not None and row["attempts"] == 1
    assert [n["business_key"] for n in notified] == ["improvement:12:patient:7"]
    # Rebuilt from the row on a later attempt, the message keeps its identity.
    row["headers"] = {"List-Unsubscribe": "<https://hospital.example.org/u/7>"}
    assert build_message(row, mail_from)["Message-ID"] == message["Message-ID"]
    assert (await dispatcher_for(mail_server, mail_from).run_once()).total == 0
    assert len(mail_server.mailbox.messages) == 1


async def test_a_text_only_email_is_a_single_plain_part(db, mail_server, mail_from, outgoing):
    await enqueue(outgoing(1, html=None, headers={}))
    await dispatcher_for(mail_server, mail_from).run_once()
    [message] = mail_server.mailbox.messages
    assert message.get_content_type() == "text/plain"


async def test_a_duplicate_business_key_is_a_no_op_that_leaves_the_callers_transaction_usable(
    db, mail_server, mail_from, outgoing
):
    async with db.transaction():
        assert await enqueue(outgoing(3)) is True
    async with db.transaction():
        assert await enqueue(outgoing(3, subject="A second wording")) is False
        # The caller's own business change after the duplicate: on PostgreSQL a failed INSERT
        # would have aborted the transaction and this would raise.
        await suppress("someone@example.org", "unsubscribed", KEY)

    assert await is_suppressed("someone@example.org", KEY)
    assert await OutboxMessage.count() == 1
    await dispatcher_for(mail_server, mail_from).run_once()
    [message] = mail_server.mailbox.messages
    assert message["Subject"] == "We made a change after your visit"


async def test_the_outbox_row_rolls_back_with_the_callers_transaction(db, outgoing):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await enqueue(outgoing(4))
            raise RuntimeError("the business change failed")
    assert await OutboxMessage.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"recipient": "a@example.org, b@example.org"},
        {"recipient": "not-an-address"},
        {"recipient": "a@example.org\r\nBcc: c@example.org"},
        {"subject": "line\nbreak"},
        {"headers": {"Bcc": "c@example.org"}},
        {"headers": {"X-Note": "a\r\nBcc: c@example.org"}},
        {"headers": {"Bad Name": "x"}},
        {"business_key": "k" * 201},
    ],
)
def test_unsafe_or_oversized_emails_are_refused_before_they_reach_the_outbox(outgoing, overrides):
    with pytest.raises(ValueError) as error:
        outgoing(1, **overrides)
    assert "c@example.org" not in str(error.value)


def test_outgoing_email_is_frozen(outgoing):
    message: OutgoingEmail = outgoing(1)
    with pytest.raises(AttributeError):
        message.subject = "changed"  # type: ignore[misc]
