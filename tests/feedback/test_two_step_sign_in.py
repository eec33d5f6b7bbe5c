"""Two-step sign-in: admins and leads set up an authenticator at first sign-in and give a
single-use code every time; others may opt in; wrong codes are limited."""

from __future__ import annotations

import re

import httpx
import pytest

from feedback.auth import totp
from feedback.settings import Settings
from feedback.tables import AuditEvent, MfaChallenge, StaffSession, StaffUser
from tests import factories
from tests.conftest import csrf_token, make_settings

KEY = re.compile(r'<code class="secret-key">([A-Z2-7 ]+)</code>')


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, MFA_REQUIRED_ROLES="admin,lead")


async def _password(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post(
        "/login", data={"email": email, "password": factories.PASSWORD, "_csrf_token": token}
    )


async def _code(client: httpx.AsyncClient, code: str) -> httpx.Response:
    token = await csrf_token(client, "/login/verify")
    return await client.post("/login/verify", data={"code": code, "_csrf_token": token})


async def _enrol(client: httpx.AsyncClient, email: str) -> str:
    assert (await _password(client, email)).headers["location"] == "/login/verify"
    page = await client.get("/login/verify")
    assert "Set up two-step sign-in" in page.text
    secret = KEY.search(page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    qr = await client.get("/login/verify/qr.svg")
    assert qr.headers["content-type"].startswith("image/svg+xml")
    done = await _code(client, totp.code_at(secret, totp.current_step()))
    assert done.status_code == 303 and done.headers["location"] == "/"
    return secret


async def test_an_admin_sets_up_an_authenticator_then_needs_a_code(client) -> None:
    email = await factories.staff("admin")
    response = await _password(client, email)
    # A correct password alone opens no session: only the code page.
    assert response.status_code == 303
    assert response.headers["location"] == "/login/verify"
    assert await StaffSession.count() == 0
    assert (await client.get("/", follow_redirects=False)).status_code in (302, 303)

    secret = await _enrol(client, email)
    assert await StaffSession.count() == 1
    assert (await client.get("/")).status_code == 200
    user = await StaffUser.select().where(StaffUser.email == email).first()
    assert user["mfa_enrolled_at"] is not None
    assert secret not in user["totp_secret"]  # sealed, not stored as the app knows it
    assert await MfaChallenge.count() == 0

    # Next time: the code page, no set-up, and the code just used does not work again.
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/")})
    client.cookies.clear()
    await _password(client, email)
    page = await client.get("/login/verify")
    assert "Enter your code" in page.text and "secret-key" not in page.text
    assert (await client.get("/login/verify/qr.svg")).status_code == 404
    used = totp.code_at(secret, user["totp_last_step"])
    replay = await _code(client, used)
    assert replay.status_code == 400
    assert "already used" in replay.text
    next_step = user["totp_last_step"] + 1
    fresh = await _code(client, totp.code_at(secret, next_step))
    # One step ahead is inside the window the server forgives for clock drift.
    assert fresh.status_code == 303
    actions = [row["action"] for row in await AuditEvent.select(AuditEvent.action)]
    assert actions.count("login.password_accepted") == 3
    assert "login.code_failed" in actions


async def test_five_wrong_codes_end_the_attempt(client) -> None:
    email = await factories.staff("lead", await factories.department())
    await _password(client, email)
    for _ in range(4):
        assert (await _code(client, "000000")).status_code == 400
    last = await _code(client, "000000")
    assert last.status_code == 303
    assert last.headers["location"] == "/login?reason=code-expired"
    assert await MfaChallenge.count() == 0 and await StaffSession.count() == 0


async def test_staff_and_executives_sign_in_with_a_password_unless_they_opted_in(client) -> None:
    email = await factories.staff("executive")
    response = await _password(client, email)
    assert response.headers["location"] == "/"
    assert await StaffSession.count() == 1


async def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client) -> None:
    response = await client.get("/login/verify", follow_redirects=False)
    assert response.headers["location"] == "/login?reason=code-expired"


async def test_staff_may_opt_in_from_their_account_page(client) -> None:
    email = await factories.staff("staff", await factories.department())
    await _password(client, email)
    page = await client.get("/account")
    assert "Set up two-step sign-in" in page.text
    started = await client.post(
        "/account/two-step", data={"_csrf_token": await csrf_token(client, "/account")}
    )
    assert started.headers["location"] == "/login/verify"
    setup = await client.get("/login/verify")
    secret = KEY.search(setup.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    done = await _code(client, totp.code_at(secret, totp.current_step()))
    assert done.headers["location"] == "/account"
    assert "since" in (await client.get("/account")).text
    # Having opted in, the next sign-in asks for a code too.
    client.cookies.clear()
    assert (await _password(client, email)).headers["location"] == "/login/verify"


async def test_an_admin_resets_a_lost_authenticator(client) -> None:
    lead = await factories.staff("lead", await factories.department())
    await _enrol(client, lead)
    client.cookies.clear()
    admin = await factories.staff("admin")
    await _enrol(client, admin)
    user = await StaffUser.select(StaffUser.id).where(StaffUser.email == lead).first()
    token = await csrf_token(client, "/admin/users")
    response = await client.post(f"/admin/users/{user['id']}/two-step", data={"_csrf_token": token})
    assert response.status_code == 303
    row = await StaffUser.select().where(StaffUser.id == user["id"]).first()
    assert row["mfa_enrolled_at"] is None and row["totp_secret"] == ""
    assert await AuditEvent.exists().where(AuditEvent.action == "staff.second_step_reset")
    client.cookies.clear()
    await _password(client, lead)
    assert "Set up two-step sign-in" in (await client.get("/login/verify")).text
