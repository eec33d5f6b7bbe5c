"""A canary patient pushed through every flow is found nowhere in clear text: not in the
database file or its WAL (every text column on PostgreSQL), the logs, the emails or their links,
the PDF summary or the figures CSV. Their comment's words are a canary too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from pathlib import Path

import asyncpg

from feedback.tables import Improvement, Ticket
from feedback.worker import build_dispatcher
from surveys.service import install_library
from surveys.tables import Department, Location
from tests import factories
from tests.conftest import CSRF_INPUT, csrf_token, sign_in
from tests.feedback.test_report_pdf import pdf_text

CANARY = {
    "mrn": "MRN-CANARY-5150",
    "given_name": "Zanzibarina",
    "family_name": "Quillfeatherstone",
    "email": "zanzibarina.canary@example.org",
    "phone": "+1 (555) 864-2771",
}
# The comment's own words are a canary too: an identified patient's free text is sealed at rest
# (the survey answer and the feedback item made from it), and opened only for staff pages.
COMMENT_CANARY = "Zephyrwick"
COMMENT = f"The signs to the {COMMENT_CANARY} clinic were confusing and nobody called me back."
HEADER = (
    "external_id,mrn,given_name,family_name,email,phone,preferred_language,visit_date,"
    "visit_type,location,department,provider_name"
)


def _needles() -> list[bytes]:
    values = [*CANARY.values(), "Zanzibar", "Quillfeather", "zanzibarina.canary", "864-2771"]
    values.append(COMMENT_CANARY)
    return [value.encode() for value in values] + [value.lower().encode() for value in values]


async def _form_token(client, path: str) -> str:  # type: ignore[no-untyped-def]
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return CSRF_INPUT.search(page.text).group(1)


async def _push_the_canary_through_every_flow(client, settings, mail_server) -> list[str]:  # type: ignore[no-untyped-def]
    """Import → invitation email → survey + consents → ticket → lead sees the contact details
    → improvement published → "you said, we did" email. Returns every email as sent."""
    await install_library()
    await Location.insert(Location(name="Riverside", slug="riverside"))
    department = (
        await Department.insert(Department(name="Cardiology", slug="cardiology")).returning(
            Department.id
        )
    )[0]["id"]
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    row = (
        f"ENC-CANARY,{CANARY['mrn']},{CANARY['given_name']},{CANARY['family_name']},"
        f"{CANARY['email']},{CANARY['phone']},en,{yesterday},telehealth,riverside,cardiology,"
        "Dr. Who"
    )
    token = await csrf_token(client, "/admin/visits/import")
    imported = await client.post(
        "/admin/visits/import",
        data={"_csrf_token": token},
        files={"file": ("visits.csv", f"{HEADER}\n{row}".encode(), "text/csv")},
    )
    assert imported.status_code == 200 and "1 survey invitation queued" in imported.text

    dispatcher = build_dispatcher(dataclasses.replace(settings, smtp_url=mail_server.url))
    assert (await dispatcher.run_once()).sent == 1
    invitation = mail_server.mailbox.messages[0].get_body(("plain",)).get_content()
    survey = re.search(r"/s/([A-Za-z0-9_-]{43})", invitation).group(0)
    csrf = await _form_token(client, survey)
    answered = await client.post(
        survey, data={"_csrf_token": csrf, "lang": "en", "recommend": "2", "improve": COMMENT}
    )
    assert answered.status_code == 303
    csrf = await _form_token(client, f"{survey}/thanks")
    consented = await client.post(
        f"{survey}/consent",
        data={
            "_csrf_token": csrf,
            "lang": "en",
            "improvement_updates": "yes",
            "follow_up": "yes",
        },
    )
    assert consented.status_code == 303

    await sign_in(client, await factories.staff("lead", department), factories.PASSWORD)
    ticket = (await Ticket.select(Ticket.id).where(Ticket.department == department).first())["id"]
    page = await client.get(f"/tickets/{ticket}")
    # The owning lead sees who to call and what they said (opened for the page only).
    assert CANARY["family_name"] in page.text and CANARY["phone"] in page.text
    assert COMMENT in page.text
    # Found by words only its sealed comment holds (the ticket's title says "Access: …").
    found = await client.get("/tickets?status=all&q=SIGNS+to+the")
    assert f"/tickets/{ticket}" in found.text
    assert f"/tickets/{ticket}" not in (await client.get("/tickets?q=parking")).text
    assert COMMENT in (await client.get("/feedback")).text
    token = await csrf_token(client, "/improvements/new")
    created = await client.post(
        "/improvements/new",
        data={
            "_csrf_token": token,
            "title": "Clearer signs to every clinic",
            "body": "We put up new signs and call every patient back within a day.",
            "change_date": dt.date.today().isoformat(),
            "tickets": [str(ticket)],
        },
    )
    assert created.status_code == 303
    improvement = (await Improvement.select(Improvement.id).first())["id"]
    published = await client.post(
        f"/improvements/{improvement}/publish", data={"_csrf_token": token}
    )
    assert published.status_code == 303
    assert (await dispatcher.run_once()).sent == 1
    messages = mail_server.mailbox.messages
    assert [str(message["To"]) for message in messages] == [CANARY["email"]] * 2
    return [message.as_string() for message in messages]


def _without_the_address_header(message: str) -> str:
    return re.sub(r"(?m)^To: .*$", "", message)


async def _postgres_text_containing(url: str, needles: list[bytes]) -> list[str]:
    connection = await asyncpg.connect(url)
    found = []
    try:
        columns = await connection.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
        )
        for column in columns:
            for needle in needles:
                hit = await connection.fetchval(
                    f'SELECT count(*) FROM "{column["table_name"]}" '  # noqa: S608
                    f'WHERE "{column["column_name"]}"::text ILIKE $1',
                    f"%{needle.decode()}%",
                )
                if hit:
                    found.append(f"{column['table_name']}.{column['column_name']}")
    finally:
        await connection.close()
    return found


async def test_a_canary_patient_is_found_nowhere_in_clear_text(
    client, settings, mail_server, caplog
):
    caplog.set_level(logging.DEBUG)
    emails = await _push_the_canary_through_every_flow(client, settings, mail_server)
    needles = _needles()

    for email in emails:
        text = _without_the_address_header(email)
        assert not [needle for needle in needles if needle.decode() in text], "in an email"
    # Everything our processes log (the loopback SMTP server stands for the patient's own
    # mail provider, which is meant to know the address).
    logged = "\n".join(
        f"{record.getMessage()} {getattr(record, 'fields', '')}"
        for record in caplog.records
        if not record.name.startswith("mail.log")
    )
    assert not [needle for needle in needles if needle.decode() in logged], "in the logs"

    # What staff take away: the PDF summary and the figures CSV (the lead is still signed in).
    pdf = await client.get("/reports/summary.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pdf_words = pdf_text(pdf.content)
    assert "Patient experience" in pdf_words or "NPS" in pdf_words  # the text was read
    assert not [needle for needle in needles if needle.decode() in pdf_words], "in the PDF"
    figures = await client.get("/reports/figures.csv")
    assert figures.status_code == 200
    assert not [needle for needle in needles if needle.decode() in figures.text], "in the CSV"

    if settings.is_sqlite:
        path = settings.sqlite_path
        files = [path, Path(f"{path}-wal")]
        assert files[1].exists()  # the WAL is where fresh writes sit
        for file in files:
            content = file.read_bytes()
            assert not [needle for needle in needles if needle in content], f"in {file.name}"
    else:
        assert await _postgres_text_containing(settings.database_url, needles) == []
