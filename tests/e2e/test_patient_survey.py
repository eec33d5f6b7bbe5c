"""A patient answers on a phone, in Spanish, with JavaScript off and on."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from feedback.tables import FeedbackItem
from surveys.service import create_invitation, install_library, survey_version_for
from surveys.tables import Consent, Response, Visit
from tests import factories

PHONE = {"width": 390, "height": 844}


async def _invitation(language: str = "en") -> str:
    await install_library()
    department = await factories.department("Pediatrics")
    location = await factories.location("Northgate")
    visit = await factories.visit(department, location)
    await Visit.update({Visit.visit_type: "clinic"}).where(Visit.id == visit)
    version = await survey_version_for("clinic", location)
    return await create_invitation(visit, version, language)


@pytest.mark.parametrize("javascript", [False, True])
async def test_a_patient_answers_in_spanish_on_a_phone(
    db, live_server, browser: Browser, javascript
):
    token = await _invitation()
    context = await browser.new_context(
        viewport=PHONE, java_script_enabled=javascript, is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    await page.goto(f"{live_server}/s/{token}")
    await page.get_by_role("link", name="Español").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Su visita reciente a la clínica"
    )
    await page.get_by_role("button", name="Enviar mis respuestas").click()
    # The required questions are named in the summary and tied to their fields.
    await expect(page.get_by_role("alert")).to_contain_text("Hay un problema")
    await expect(page.locator("#error-provider_rating")).to_have_text(
        "Por favor, responda esta pregunta."
    )
    listened = page.get_by_role("group", name="¿Con qué frecuencia este proveedor le escuchó")
    await listened.get_by_label("Siempre").check()
    rating = page.get_by_role("group", name="Usando un número del 0 al 10")
    await rating.get_by_label("9", exact=True).check()
    recommend = page.get_by_role("group", name="¿Qué tan probable es que recomiende")
    await recommend.get_by_label("10", exact=True).check()
    await page.get_by_label("¿Qué podríamos mejorar?").fill(
        "El médico fue excelente, pero la factura llegó con un cargo que nadie nos explicó."
    )
    await page.screenshot(path=f"/tmp/survey-phone-js-{javascript}.png", full_page=True)
    await page.get_by_role("button", name="Enviar mis respuestas").click()
    await expect(page.get_by_role("heading", name="Gracias", exact=True)).to_be_visible()
    await page.get_by_label("Sí, envíenme un correo si mis comentarios llevan a un cambio.").check()
    await page.get_by_role("button", name="Guardar mi elección").click()
    await expect(page.get_by_role("status")).to_contain_text("Le avisaremos")
    await context.close()

    response = await Response.select().first()
    assert response["language"] == "es"
    item = await FeedbackItem.select().where(FeedbackItem.response == response["id"]).first()
    assert item["language"] == "es"
    assert await Consent.count() == 1
