"""The whole patient journey in one go: visits imported, the invitation email read from a real
SMTP server, the link answered in Spanish on a phone, the analysed comment seen by the lead."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from playwright.async_api import Browser, expect

from feedback.worker import build_dispatcher
from surveys.service import install_library
from surveys.tables import Department, Location
from tests import factories
from tests.e2e.conftest import sign_in_page

PHONE = {"width": 390, "height": 844}


async def test_from_visit_file_to_the_leads_screen(
    db, settings, live_server, mail_server, browser: Browser, tmp_path
):
    await install_library()
    await Location.insert(Location(name="Riverside General", slug="riverside"))
    rows = await Department.insert(Department(name="Maternity", slug="maternity")).returning(
        Department.id
    )
    admin = await factories.staff("admin")
    lead = await factories.staff("lead", rows[0]["id"])
    visit_day = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "external_id,mrn,given_name,family_name,email,phone,preferred_language,visit_date,"
        "visit_type,location,department,provider_name\n"
        f"ENC-1,MRN-1,Lucía,Ramos,lucia@example.org,,es,{visit_day},inpatient,riverside,"
        "maternity,Dr. Soto\n"
    )

    staff_page = await browser.new_page()
    await sign_in_page(staff_page, live_server, admin)
    await staff_page.goto(f"{live_server}/admin/visits/import")
    await staff_page.get_by_label("Visits file (.csv or .json)").set_input_files(str(visits))
    await staff_page.get_by_role("button", name="Import and invite").click()
    await expect(staff_page.get_by_role("status")).to_contain_text(
        "1 survey invitation queued for email"
    )

    dispatcher = build_dispatcher(
        dataclasses.replace(settings, smtp_url=mail_server.url, base_url=live_server)
    )
    assert (await dispatcher.run_once()).sent == 1
    [message] = mail_server.mailbox.messages
    assert message["Subject"] == "¿Qué tal fue su visita reciente?"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Lucía" not in body and "Maternity" not in body and visit_day not in body
    link = re.search(r"https?://\S+/s/[A-Za-z0-9_-]{43}", body).group(0)

    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = await context.new_page()
    await phone.goto(link)
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Su estancia en el hospital")
    await (
        phone.get_by_role("group", name="Usando un número del 0 al 10, donde 0 es el peor hospital")
        .get_by_label("4", exact=True)
        .check()
    )
    await phone.get_by_label("¿Qué podríamos mejorar?").fill(
        "Nadie nos explicó el alta y esperamos seis horas la medicación."
    )
    await phone.get_by_role("button", name="Enviar mis respuestas").click()
    await expect(phone.get_by_role("heading", name="Gracias", exact=True)).to_be_visible()
    await context.close()

    await staff_page.get_by_role("button", name="Sign out").click()
    await sign_in_page(staff_page, live_server, lead)
    await staff_page.get_by_role("link", name="Feedback").click()
    await staff_page.get_by_role("link", name=re.compile("Nadie nos explicó")).click()
    await expect(staff_page.locator(".comment")).to_contain_text("esperamos seis horas")
    await expect(staff_page.get_by_text("Language: es", exact=True)).to_be_visible()
    await expect(staff_page.get_by_role("heading", name="Why the analysis says so")).to_be_visible()
