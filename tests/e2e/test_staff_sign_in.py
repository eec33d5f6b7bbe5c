"""Staff sign in and an admin manages accounts, in a real browser, with and without JS."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests import factories
from tests.e2e.conftest import sign_in_page

PHONE = {"width": 390, "height": 844}


async def _sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    await sign_in_page(page, base, email)


async def test_each_role_signs_in_and_sees_its_own_navigation(db, live_server, browser: Browser):
    cardiology = await factories.department("Cardiology")
    await factories.department("Oncology")
    accounts = {
        "admin": await factories.staff("admin"),
        "executive": await factories.staff("executive"),
        "lead": await factories.staff("lead", cardiology),
        "staff": await factories.staff("staff", cardiology),
    }
    for role, email in accounts.items():
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        await _sign_in(page, live_server, email)
        await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        users_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Users")
        await expect(users_link).to_have_count(1 if role == "admin" else 0)
        table = page.get_by_role("table")
        if role in ("lead", "staff"):
            await expect(table).to_contain_text("Cardiology")
            await expect(table).not_to_contain_text("Oncology")
        else:
            await expect(table).to_contain_text("Oncology")
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_text("You have signed out.")).to_be_visible()
        await context.close()


async def test_a_wrong_password_is_answered_clearly(db, live_server, browser: Browser):
    email = await factories.staff("admin")
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{live_server}/login")
    await page.get_by_label("Work email").fill(email)
    await page.get_by_label("Password").fill("not the password at all")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("email or password is not right")
    await expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


async def test_admin_adds_an_account_with_htmx(db, live_server, browser: Browser):
    await factories.department("Radiology")
    email = await factories.staff("admin")
    page = await browser.new_page()
    await _sign_in(page, live_server, email)
    await page.goto(f"{live_server}/admin/users")
    form = page.locator("#new-user-form")
    await form.get_by_label("Name").fill("Kim Lead")
    await form.get_by_label("Work email").fill("kim.lead@hospital.example.org")
    await form.get_by_label("Role").select_option("lead")
    await form.get_by_label("Initial password").fill("too short")
    await form.get_by_role("button", name="Create account").click()
    # htmx swapped the form in place with errors tied to their fields; the page stayed.
    await expect(page.locator("#department_id-error")).to_contain_text("choose one")
    await expect(page.locator("#password-error")).to_contain_text("12 characters")
    form = page.locator("#new-user-form")
    await form.get_by_label("Department").select_option(label="Radiology")
    await form.get_by_label("Initial password").fill("a long enough passphrase")
    await form.get_by_role("button", name="Create account").click()
    await expect(
        page.get_by_text("Account created for kim.lead@hospital.example.org")
    ).to_be_visible()
    await expect(page.get_by_role("table")).to_contain_text("Kim Lead")


async def test_admin_pages_work_with_javascript_off(db, live_server, browser: Browser):
    victim = await factories.staff("executive")
    email = await factories.staff("admin")
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await _sign_in(page, live_server, email)
    await page.goto(f"{live_server}/admin/users")
    row = page.get_by_role("row").filter(has_text=victim)
    await row.get_by_role("button", name="Deactivate").click()
    row = page.get_by_role("row").filter(has_text=victim)
    await expect(row).to_contain_text("Deactivated")
    await page.screenshot(path="/tmp/admin-users.png", full_page=True)
    await context.close()
