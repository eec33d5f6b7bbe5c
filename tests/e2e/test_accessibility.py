"""axe-core finds no WCAG 2.1 A/AA violations on the pages patients and staff use."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from feedback.auth import totp
from surveys.service import create_invitation, install_library, survey_version_for
from surveys.tables import Visit
from tests import factories
from tests.e2e.conftest import accessibility_violations

PHONE = {"width": 390, "height": 844}


async def test_patient_pages_have_no_wcag_violations(db, live_server, browser: Browser):
    await install_library()
    department = await factories.department("Maternity")
    location = await factories.location("Riverside")
    visit = await factories.visit(department, location)
    await Visit.update({Visit.visit_type: "inpatient"}).where(Visit.id == visit)
    token = await create_invitation(visit, await survey_version_for("inpatient", location))
    # axe-core is injected as an inline script, which our CSP rightly blocks.
    page = await browser.new_page(viewport=PHONE, bypass_csp=True)
    for path in (f"/s/{token}", f"/s/{token}?lang=es", "/privacy", "/s/unknown-link"):
        await page.goto(f"{live_server}{path}")
        assert await accessibility_violations(page) == [], path
    await page.goto(f"{live_server}/s/{token}")
    await page.get_by_role("button", name="Send my answers").click()  # with errors shown
    assert await accessibility_violations(page) == [], "survey with errors"
    await (
        page.get_by_role("group", name="Using any number from 0 to 10")
        .get_by_label("8", exact=True)
        .check()
    )
    await page.get_by_role("button", name="Send my answers").click()
    assert await accessibility_violations(page) == [], "thank-you page"


async def test_staff_pages_have_no_wcag_violations(db, live_server, browser: Browser):
    await install_library()
    await factories.department("Cardiology")
    email = await factories.staff("admin")
    page = await browser.new_page(bypass_csp=True)
    await page.goto(f"{live_server}/login")
    assert await accessibility_violations(page) == [], "/login"
    await page.get_by_label("Work email").fill(email)
    await page.get_by_label("Password").fill(factories.PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    # An admin's first sign-in sets up the second step: that page is checked too.
    await expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    assert await accessibility_violations(page) == [], "/login/verify"
    key = (await page.locator(".secret-key").inner_text()).replace(" ", "")
    await page.get_by_label("6-digit code").fill(totp.code_at(key, totp.current_step()))
    await page.get_by_role("button", name="Finish set-up and sign in").click()
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    for path in (
        "/",
        "/feedback",
        "/surveys/results",
        "/admin/users",
        "/admin/surveys",
        "/admin/surveys/clinic-visit",
        "/admin/visits/import",
        "/admin/reviews/",
        "/admin/patients/",
        "/admin/emergency-access",
        "/account",
    ):
        await page.goto(f"{live_server}{path}")
        assert await accessibility_violations(page) == [], path
