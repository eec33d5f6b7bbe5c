"""Browser tests: the real server in a subprocess, driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from feedback.auth import totp
from tests.conftest import TEST_SECRET_KEY
from tests.factories import PASSWORD
from tests.servers import free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(database_url: str) -> Iterator[str]:
    """`feedback serve` on a free loopback port, against the test's database."""
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "DISPATCH_IN_PROCESS": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "feedback", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stdout.read()}")
    else:
        process.kill()
        raise RuntimeError("server did not become healthy in 30 s")
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make browser`", pytrace=False)
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        await instance.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


async def accessibility_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} element(s))"
        for violation in result["violations"]
    ]


async def sign_in_page(page, base: str, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign in as a person would, including the two-step set-up admins and leads meet at
    their first sign-in: read the key the page shows, as one types it into an app."""
    if not page.url.endswith("/login"):
        await page.goto(f"{base}/login")
    await page.get_by_label("Work email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    if page.url.endswith("/login/verify"):
        key = (await page.locator(".secret-key").inner_text()).replace(" ", "")
        await page.get_by_label("6-digit code").fill(totp.code_at(key, totp.current_step()))
        await page.get_by_role("button", name="Finish set-up and sign in").click()
        await page.wait_for_load_state()
