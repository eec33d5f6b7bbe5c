"""`feedback rotate-keys`: killed or stopped midway, run again, finished; never loses a write
made meanwhile; values from before encryption are encrypted too."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import signal
import subprocess
import sys

from feedback.services.key_rotation import rotate_keys
from feedback.tables import StaffUser
from integrations.crypto import KeyRing, context, key_id_of
from integrations.email import OutgoingEmail, enqueue
from integrations.tables import OutboxMessage
from surveys.patients import (
    create_patients,
    find_by_email,
    find_by_mrn,
    read_patients,
    update_patient,
)
from surveys.tables import Patient
from tests import factories
from tests.conftest import TEST_SECRET_KEY, make_settings

OLD = f"old:{base64.b64encode(bytes(range(32))).decode()}"
NEW = f"new:{base64.b64encode(bytes(range(32, 64))).decode()}"


def _keyring(database_url: str, keys: str) -> KeyRing:
    return make_settings(database_url, ENCRYPTION_KEYS=keys).keyring


async def _seed(keyring: KeyRing, patients: int) -> list[int]:
    ids = await create_patients(
        keyring,
        [
            (
                {
                    "given_name": f"Given{n}",
                    "family_name": f"Family{n}",
                    "email": f"p{n}@example.org",
                    "phone": f"+1-555-{n:04d}",
                    "mrn": f"R-{n}",
                },
                "en",
            )
            for n in range(patients)
        ],
    )
    for n in range(3):
        await enqueue(
            OutgoingEmail(
                kind="survey_invitation",
                business_key=f"survey_invitation:{n}",
                recipient=f"p{n}@example.org",
                subject="How was your recent visit?",
                text="…",
            ),
            keyring,
        )
    # One row from before encryption: clear values, the MRN itself in the unique column.
    await Patient.insert(
        Patient(given_name="Clear", family_name="Row", email="clear@example.org", mrn="R-CLEAR")
    )
    return ids


def _cli(database_url: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEYS": f"{NEW},{OLD}",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "feedback", "rotate-keys", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = await asyncio.to_thread(process.communicate, timeout=120)
    return process.returncode, out + err


async def _stored_key_ids() -> set[str | None]:
    rows = await Patient.select(
        Patient.given_name, Patient.family_name, Patient.email, Patient.phone, Patient.mrn_encrypted
    )
    outbox = await OutboxMessage.select(OutboxMessage.recipient)
    return {key_id_of(value) for row in rows for value in row.values() if value} | {
        key_id_of(row["recipient"]) for row in outbox
    }


async def test_a_rotation_stopped_then_killed_midway_finishes_when_run_again(db, database_url):
    old = _keyring(database_url, OLD)
    rotated = _keyring(database_url, f"{NEW},{OLD}")
    await _seed(old, 60)
    # An authenticator secret is sealed with the same keys and must move with them.
    lead = await factories.staff("lead", await factories.department())
    lead_id = (await StaffUser.select(StaffUser.id).where(StaffUser.email == lead).first())["id"]
    sealed = old.encrypt("JBSWY3DPEHPK3PXP", context("staff_user", "totp_secret", str(lead_id)))
    await StaffUser.update({StaffUser.totp_secret: sealed}).where(StaffUser.id == lead_id)

    stopped = _cli(database_url, "--batch-size", "5", "--max-batches", "2")
    status, output = await _finish(stopped)
    assert status == 1, output
    assert "patient: 10 re-encrypted" in output and "left" in output
    assert await Patient.count().where(Patient.mrn_encrypted.like("v1:new:%")) == 10

    killed = _cli(database_url, "--batch-size", "1")
    first_line = await asyncio.to_thread(killed.stdout.readline)
    assert "Rotating to key 'new'" in first_line
    await asyncio.to_thread(killed.stdout.readline)  # at least one batch committed
    killed.send_signal(signal.SIGKILL)
    await _finish(killed)
    # Whatever the kill interrupted rolled back: every value opens with the ring in use.
    assert len(await read_patients(rotated, range(1, 100))) == 61

    status, output = await _finish(_cli(database_url, "--batch-size", "7"))
    assert status == 0, output
    assert re.search(r"(?m)^patient: \d+ re-encrypted, .*, 0 left$", output), output
    assert re.search(r"(?m)^outbox_message: .*, 0 left$", output), output
    assert re.search(r"(?m)^staff_user: 1 re-encrypted, .*, 0 left$", output), output
    assert await _stored_key_ids() == {"new"}
    # The old key can go: everything opens, and is found, with the new one alone.
    only_new = _keyring(database_url, NEW)
    patients = await read_patients(only_new, range(1, 100))
    assert {patient["email"] for patient in patients} >= {"p0@example.org", "clear@example.org"}
    assert await find_by_mrn(only_new, "R-CLEAR") is not None
    assert await find_by_email(only_new, "CLEAR@example.org") != []
    assert not await Patient.exists().where(Patient.mrn == "R-CLEAR")  # no MRN left in clear
    secret = await StaffUser.select(StaffUser.totp_secret).where(StaffUser.id == lead_id).first()
    where = context("staff_user", "totp_secret", str(lead_id))
    assert only_new.decrypt(secret["totp_secret"], where) == "JBSWY3DPEHPK3PXP"


async def test_writes_made_during_a_rotation_are_never_lost(db, database_url):
    old = _keyring(database_url, OLD)
    rotated = _keyring(database_url, f"{NEW},{OLD}")
    ids = await _seed(old, 40)

    async def import_meanwhile() -> None:
        for patient_id in ids:
            await update_patient(rotated, patient_id, {"phone": f"+44-{patient_id}"})
            await asyncio.sleep(0)

    progress, _ = await asyncio.gather(rotate_keys(rotated, batch_size=3), import_meanwhile())
    patients = {patient["id"]: patient for patient in await read_patients(rotated, ids)}
    assert all(patients[patient_id]["phone"] == f"+44-{patient_id}" for patient_id in ids)
    # Rows a writer had already rewritten were left alone; a second run finds nothing to do.
    again = await rotate_keys(rotated, batch_size=3)
    assert [table.remaining for table in again] == [0] * len(again)
    assert sum(table.rotated for table in progress) >= 3
    assert await _stored_key_ids() == {"new"}


async def test_sealed_comments_and_answers_move_to_the_new_key_and_still_open(db, database_url):
    """An identified patient's words (the feedback item and the survey answer it came from)
    are re-sealed under the current key, bound to the same rows, and read the same."""
    from feedback.tables import FeedbackItem
    from surveys.sealed_text import ANSWER_VALUE, FEEDBACK_TEXT, seal, unseal
    from surveys.service import install_library
    from surveys.tables import Answer, Response, SurveyVersion

    old = _keyring(database_url, OLD)
    rotated = _keyring(database_url, f"{NEW},{OLD}")
    words = [f"Comment number {n}: the ward was noisy at night." for n in range(7)]
    items = []
    for text in words:
        crypto_id, sealed = seal(old, FEEDBACK_TEXT, text)
        items.append(FeedbackItem(source="survey", text=sealed, crypto_id=crypto_id))
    items.append(FeedbackItem(source="review", text="A review in clear stays in clear."))
    await FeedbackItem.insert(*items)
    await install_library()
    version = (await SurveyVersion.select(SurveyVersion.id).first())["id"]
    response = (await Response.insert(Response(survey_version=version)).returning(Response.id))[0][
        "id"
    ]
    crypto_id, sealed = seal(old, ANSWER_VALUE, words[0])
    await Answer.insert(
        Answer(response=response, question_key="improve", value=sealed, crypto_id=crypto_id),
        Answer(response=response, question_key="recommend", value="9", numeric_value=9),
    )

    progress = await rotate_keys(rotated, batch_size=3)
    counts = {table.table: table.rotated for table in progress}
    assert counts["feedback_item"] == 7 and counts["survey_answer"] == 1
    stored = await FeedbackItem.select(FeedbackItem.text, FeedbackItem.crypto_id).order_by(
        FeedbackItem.id
    )
    assert {key_id_of(row["text"]) for row in stored[:7]} == {"new"}
    assert [unseal(rotated, FEEDBACK_TEXT, r["crypto_id"], r["text"]) for r in stored[:7]] == words
    assert stored[7] == {"text": "A review in clear stays in clear.", "crypto_id": ""}
    answers = await Answer.select(Answer.value, Answer.crypto_id).order_by(Answer.id)
    assert key_id_of(answers[0]["value"]) == "new"
    assert unseal(rotated, ANSWER_VALUE, answers[0]["crypto_id"], answers[0]["value"]) == words[0]
    assert answers[1] == {"value": "9", "crypto_id": ""}
    assert [table.remaining for table in await rotate_keys(rotated)] == [0] * len(progress)
