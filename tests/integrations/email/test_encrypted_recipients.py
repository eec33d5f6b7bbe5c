"""Patients' addresses wait in the outbox encrypted and are opened only to send."""

from __future__ import annotations

from integrations.crypto import KeyRing
from integrations.email import PENDING, SENT, Dispatcher, SmtpSender, enqueue
from integrations.tables import OutboxMessage

KEYRING = KeyRing({"k1": bytes(range(32))}, bytes(range(32, 64)))
SUPPRESSION_KEY = b"suppression-key-" * 2


def dispatcher_for(server, mail_from: str, **options) -> Dispatcher:  # type: ignore[no-untyped-def]
    return Dispatcher(SmtpSender.from_url(server.url, mail_from, timeout=5), mail_from, **options)


async def test_an_encrypted_recipient_is_sent_to_and_never_stored_in_clear(
    db, mail_server, mail_from, outgoing
):
    assert await enqueue(outgoing(1), KEYRING)
    await enqueue(outgoing(2))  # a staff address may stay readable
    stored = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert stored[0]["recipient"].startswith("v1:k1:")
    assert "patient1" not in stored[0]["recipient"]
    assert stored[1]["recipient"] == "patient2@example.org"

    dispatcher = dispatcher_for(
        mail_server, mail_from, keyring=KEYRING, suppression_key=SUPPRESSION_KEY
    )
    assert (await dispatcher.run_once()).sent == 2
    assert sorted(to for _, [to] in mail_server.mailbox.envelopes) == [
        "patient1@example.org",
        "patient2@example.org",
    ]
    after = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert after[0]["status"] == SENT and after[0]["recipient"] == stored[0]["recipient"]


async def test_without_the_key_a_message_waits_and_a_moved_recipient_never_opens(
    db, mail_server, mail_from, outgoing
):
    await enqueue(outgoing(1), KEYRING)
    await enqueue(outgoing(2), KEYRING)
    first, second = await OutboxMessage.select().order_by(OutboxMessage.id)
    # A worker without the key retries later rather than sending anything.
    result = await dispatcher_for(mail_server, mail_from).run_once()
    assert result.sent == 0 and result.retried == 2
    assert mail_server.mailbox.envelopes == []
    # Swapping two rows' recipients: neither opens, nobody gets the other's email.
    await OutboxMessage.update(
        {
            OutboxMessage.recipient: second["recipient"],
            OutboxMessage.status: PENDING,
            OutboxMessage.next_attempt_at: first["created_at"],
        }
    ).where(OutboxMessage.id == first["id"])
    result = await dispatcher_for(mail_server, mail_from, keyring=KEYRING).run_once()
    assert result.sent == 0 and mail_server.mailbox.envelopes == []
    row = await OutboxMessage.select().where(OutboxMessage.id == first["id"]).first()
    assert row["status"] == PENDING and "DecryptionError" in row["last_error"]
