"""The dashboard in headless Chromium: figures, charts, htmx filters without a reload, the
same filters as a plain form, and no WCAG 2.1 A/AA violations (axe-core)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser

from tests import factories
from tests.e2e.conftest import accessibility_violations, sign_in_page
from tests.feedback.dashboard_seed import END, START, seed_quarter


async def _signed_in(browser: Browser, live_server: str, *, javascript: bool = True):  # type: ignore[no-untyped-def]
    email = await factories.staff("executive")
    # axe-core is injected as an inline script, which our CSP rightly blocks.
    context = await browser.new_context(java_script_enabled=javascript, bypass_csp=True)
    page = await context.new_page()
    await sign_in_page(page, live_server, email)
    await page.wait_for_url(f"{live_server}/")
    return page


async def test_the_dashboard_filters_with_htmx_and_passes_axe(db, live_server, browser: Browser):
    seeded = await seed_quarter()
    page = await _signed_in(browser, live_server)
    await page.get_by_role("link", name="Dashboard").click()
    await page.goto(f"{live_server}/reports/dashboard?from={START}&to={END}")
    assert await page.get_by_role("heading", name="Executive dashboard").is_visible(), (
        await page.content()
    )[:3000]
    assert await page.locator("svg[role=img]").count() >= 6
    assert await accessibility_violations(page) == [], "dashboard"
    await page.screenshot(path="/tmp/dashboard-e2e.png", full_page=True)
    kpi = page.locator(".kpi", has_text="Feedback received").locator(".stat__value")
    assert (await kpi.inner_text()).strip() == "60"
    marker = await page.evaluate("() => { window.notReloaded = true; return true; }")
    await page.get_by_label("Location").select_option(str(seeded.hilltop))
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_function(
        "() => document.querySelector('.kpi .stat__value') && "
        "[...document.querySelectorAll('.kpi')].some(k => k.textContent.includes('Feedback "
        "received') && k.querySelector('.stat__value').textContent.trim() === '4')"
    )
    assert marker and await page.evaluate("() => window.notReloaded === true")  # htmx swap
    assert f"location={seeded.hilltop}" in page.url  # pushed, so the view can be shared
    assert await accessibility_violations(page) == [], "filtered dashboard"


async def test_the_filters_work_without_javascript(db, live_server, browser: Browser):
    seeded = await seed_quarter()
    page = await _signed_in(browser, live_server, javascript=False)
    await page.goto(f"{live_server}/reports/dashboard?from={START}&to={END}")
    await page.get_by_label("Location").select_option(str(seeded.hilltop))
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url(f"**location={seeded.hilltop}**")
    kpi = page.locator(".kpi", has_text="Feedback received").locator(".stat__value")
    assert (await kpi.inner_text()).strip() == "4"


async def test_the_executive_downloads_the_pdf_summary(db, live_server, browser: Browser):
    await seed_quarter()
    page = await _signed_in(browser, live_server)
    await page.goto(f"{live_server}/reports/dashboard?from={START}&to={END}")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download the PDF summary").click()
    download = await waiting.value
    path = await download.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF-")
    assert download.suggested_filename.endswith(".pdf")
    assert len(data) > 10_000  # cover, figures and charts, not an error page
