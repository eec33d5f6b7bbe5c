"""The dispatcher against a real SMTP server on loopback: outages, kills, races, refusals."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage

from integrations.email import (
    DEAD,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    Dispatcher,
    SmtpSender,
    dead_letters,
    enqueue,
    exponential_backoff,
    retry_dead,
    suppress,
)
from integrations.email.outbox import utcnow
from integrations.tables import OutboxMessage

KEY = b"suppression-key-" * 2


def dispatcher_for(server, mail_from: str, **options) -> Dispatcher:  # type: ignore[no-untyped-def]
    return Dispatcher(SmtpSender.from_url(server.url, mail_from, timeout=5), mail_from, **options)


async def make_due_now() -> None:
    # Instead of sleeping through the backoff.
    await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow()}, force=True)


async def rows() -> list[dict]:
    return await OutboxMessage.select().order_by(OutboxMessage.id)


async def test_while_the_server_is_down_messages_wait_then_go_when_it_is_back(
    db, smtp_server, mail_from, outgoing
):
    for number in (1, 2):
        await enqueue(outgoing(number))
    dispatcher = dispatcher_for(smtp_server, mail_from)

    before = utcnow()
    result = await dispatcher.run_once()

    assert (result.sent, result.retried) == (0, 2)
    for row in await rows():
        assert row["status"] == PENDING and row["attempts"] == 1
        assert row["next_attempt_at"] > before + timedelta(seconds=10)
        assert row["last_error"] == "connection error (ConnectionRefusedError)"
    # Not due yet: nothing is claimed.
    assert (await dispatcher.run_once()).total == 0

    smtp_server.start()
    await make_due_now()
    assert (await dispatcher.run_once()).sent == 2
    assert sorted(m["To"] for m in smtp_server.mailbox.messages) == [
        "patient1@example.org",
        "patient2@example.org",
    ]
    assert {row["status"] for row in await rows()} == {SENT}


class HangingSender:
    """A worker that stops responding mid-send (then is killed), before any SMTP server saw it."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def send(self, message: EmailMessage) -> None:
        self.started.set()
        await asyncio.Event().wait()


async def test_rows_of_a_killed_worker_are_sent_by_another_once_the_lease_expires(
    db, mail_server, mail_from, outgoing
):
    for number in range(1, 4):
        await enqueue(outgoing(number))
    hanging = HangingSender()
    # Long enough that a loaded CI machine cannot let it run out before the survivor's first
    # look (with 300 ms it once did, and the survivor sent the rows then).
    lease = timedelta(seconds=2)
    killed = asyncio.create_task(Dispatcher(hanging, mail_from, lease=lease).run_once())
    await asyncio.wait_for(hanging.started.wait(), timeout=5)
    killed.cancel()
    assert {row["status"] for row in await rows()} == {SENDING}

    # The survivor's own lease is long: a short one would hand rows back mid-batch on a slow
    # machine (run_once stops claiming work once most of its lease has gone).
    survivor = dispatcher_for(mail_server, mail_from, lease=timedelta(seconds=60))
    assert (await survivor.run_once()).total == 0  # the killed worker's lease still holds
    await asyncio.sleep(lease.total_seconds() + 0.05)
    assert (await survivor.run_once()).sent == 3

    assert sorted(m["To"] for m in mail_server.mailbox.messages) == [
        f"patient{n}@example.org" for n in range(1, 4)
    ]
    assert [(row["status"], row["attempts"]) for row in await rows()] == [(SENT, 2)] * 3


async def test_two_dispatchers_racing_never_send_the_same_row_twice(
    db, mail_server, mail_from, outgoing
):
    async with db.transaction():
        for number in range(40):
            await enqueue(outgoing(number))
    first = dispatcher_for(mail_server, mail_from, batch_size=5)
    second = dispatcher_for(mail_server, mail_from, batch_size=5)

    totals = [0, 0]
    while True:
        results = await asyncio.gather(first.run_once(), second.run_once())
        if all(result.total == 0 for result in results):
            break
        for index, result in enumerate(results):
            totals[index] += result.sent

    ids = mail_server.mailbox.message_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(totals) == 40
    assert {(row["status"], row["attempts"]) for row in await rows()} == {(SENT, 1)}


async def test_should_send_declining_at_send_time_skips_without_sending(
    db, mail_server, mail_from, outgoing
):
    seen: list[str] = []

    async def consent_still_given(row: dict) -> bool:
        seen.append(row["business_key"])
        return row["business_key"].endswith(":1")

    await enqueue(outgoing(1))
    await enqueue(outgoing(2))
    result = await dispatcher_for(
        mail_server, mail_from, should_send=consent_still_given
    ).run_once()

    assert (result.sent, result.skipped) == (1, 1)
    assert sorted(seen) == ["improvement:12:patient:1", "improvement:12:patient:2"]
    assert [m["To"] for m in mail_server.mailbox.messages] == ["patient1@example.org"]
    assert [row["status"] for row in await rows()] == [SENT, SKIPPED]


async def test_suppressed_addresses_are_skipped_when_the_dispatcher_has_the_key(
    db, mail_server, mail_from, outgoing
):
    await suppress("PATIENT2@example.org", "unsubscribed", KEY)
    await enqueue(outgoing(1))
    await enqueue(outgoing(2))
    result = await dispatcher_for(mail_server, mail_from, suppression_key=KEY).run_once()
    assert (result.sent, result.skipped) == (1, 1)
    assert [m["To"] for m in mail_server.mailbox.messages] == ["patient1@example.org"]


async def test_a_5xx_refusal_is_dead_at_once_and_retry_dead_requeues_it(
    db, mail_server, mail_from, outgoing
):
    await enqueue(outgoing(5))
    mail_server.mailbox.rcpt_reply = "550 5.1.1 <patient5@example.org>: no such mailbox"
    dispatcher = dispatcher_for(mail_server, mail_from)

    assert (await dispatcher.run_once()).dead == 1

    [row] = await rows()
    assert (row["status"], row["attempts"]) == (DEAD, 1)
    assert row["last_error"] == "smtp 550 5.1.1 recipient refused"
    [letter] = await dead_letters(limit=10)
    assert letter["id"] == row["id"] and letter["last_error"] == row["last_error"]
    assert not {"recipient", "subject", "body_text", "body_html"} & set(letter)

    mail_server.mailbox.rcpt_reply = None
    assert await retry_dead(row["id"]) is True
    [row] = await rows()
    assert (row["status"], row["attempts"]) == (PENDING, 0)
    assert await retry_dead(row["id"]) is False  # only dead letters
    assert (await dispatcher.run_once()).sent == 1
    assert len(mail_server.mailbox.messages) == 1
    assert await dead_letters(limit=10) == []


async def test_temporary_refusals_become_dead_after_max_attempts(
    db, mail_server, mail_from, outgoing
):
    await enqueue(outgoing(6))
    mail_server.mailbox.data_reply = "451 4.3.0 <patient6@example.org> try again later"
    dispatcher = dispatcher_for(mail_server, mail_from, max_attempts=2)

    assert (await dispatcher.run_once()).retried == 1
    [row] = await rows()
    assert (row["status"], row["attempts"]) == (PENDING, 1)
    assert row["last_error"] == "smtp 451 4.3.0 SMTPDataError"
    await make_due_now()
    assert (await dispatcher.run_once()).dead == 1
    [row] = await rows()
    assert (row["status"], row["attempts"]) == (DEAD, 2)
    assert mail_server.mailbox.messages == []


async def test_a_failing_on_sent_hook_still_records_the_email_as_sent(
    db, mail_server, mail_from, outgoing
):
    async def on_sent(row: dict) -> None:
        raise RuntimeError("the upper floor is broken")

    await enqueue(outgoing(1))
    dispatcher = dispatcher_for(mail_server, mail_from, on_sent=on_sent)
    assert (await dispatcher.run_once()).sent == 1
    await make_due_now()
    assert (await dispatcher.run_once()).total == 0
    assert len(mail_server.mailbox.messages) == 1


async def test_run_forever_sends_until_stopped(db, mail_server, mail_from, outgoing):
    stop = asyncio.Event()
    worker = asyncio.create_task(dispatcher_for(mail_server, mail_from).run_forever(stop, 0.05))
    await enqueue(outgoing(1))
    for _ in range(100):
        if mail_server.mailbox.messages:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(worker, timeout=2)
    assert len(mail_server.mailbox.messages) == 1


def test_backoff_grows_exponentially_is_capped_and_jittered():
    exact = exponential_backoff(timedelta(seconds=30), timedelta(minutes=10), rng=lambda: 0.0)
    assert [exact(n).total_seconds() for n in (1, 2, 3, 6, 50)] == [30, 60, 120, 600, 600]
    jittered = exponential_backoff(timedelta(seconds=30), timedelta(minutes=10), rng=lambda: 1.0)
    assert jittered(2) == timedelta(seconds=30)


async def test_a_batch_stopped_midway_hands_back_the_rows_it_did_not_try(
    db, mail_server, mail_from, outgoing
):
    for number in range(1, 4):
        await enqueue(outgoing(number))
    stop = asyncio.Event()

    async def stop_after_first(row: dict) -> None:
        stop.set()

    dispatcher = dispatcher_for(mail_server, mail_from, on_sent=stop_after_first)
    assert (await dispatcher.run_once(stop)).sent == 1
    assert [(row["status"], row["attempts"]) for row in await rows()] == [
        (SENT, 1),
        (PENDING, 0),
        (PENDING, 0),
    ]
    assert (await dispatcher_for(mail_server, mail_from).run_once()).sent == 2


async def test_a_row_whose_worker_died_on_its_last_attempt_is_dead_not_retried_forever(
    db, mail_server, mail_from, outgoing
):
    await enqueue(outgoing(1))
    hanging = HangingSender()
    lease = timedelta(milliseconds=200)
    killed = asyncio.create_task(
        Dispatcher(hanging, mail_from, lease=lease, max_attempts=1).run_once()
    )
    await asyncio.wait_for(hanging.started.wait(), timeout=5)
    killed.cancel()
    await asyncio.sleep(0.25)

    result = await dispatcher_for(mail_server, mail_from, lease=lease, max_attempts=1).run_once()

    assert (result.dead, result.sent) == (1, 0)
    [row] = await rows()
    assert (row["status"], row["attempts"]) == (DEAD, 1)
    assert row["last_error"].startswith("attempts exhausted")
    assert mail_server.mailbox.messages == []
