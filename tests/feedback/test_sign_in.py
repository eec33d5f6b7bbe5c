"""Staff sign-in, sessions, timeouts, CSRF and roles, through the real app and database."""

from __future__ import annotations

import contextlib
import datetime as dt

import httpx

from feedback.app import create_app
from feedback.auth.passwords import verify_password
from feedback.tables import AuditEvent, StaffSession, StaffUser
from feedback.web.auth_pages import GENERIC_LOGIN_ERROR
from tests import factories
from tests.conftest import csrf_token, sign_in


async def test_password_is_stored_as_argon2id(client):
    email = await factories.staff("admin")
    row = await StaffUser.select(StaffUser.password_hash).where(StaffUser.email == email).first()
    assert row["password_hash"].startswith("$argon2id$")
    assert factories.PASSWORD not in row["password_hash"]
    assert verify_password(row["password_hash"], factories.PASSWORD)


async def test_sign_in_sets_a_hardened_session_cookie_and_shows_the_overview(client):
    email = await factories.staff("executive")
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"email": email, "password": factories.PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("fb_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = await client.get("/")
    assert page.status_code == 200
    assert "Executive Person" in page.text and "Sign out" in page.text
    # The table keeps only a hash of the cookie's token.
    session_token = client.cookies.get("fb_session")
    assert not await StaffSession.exists().where(StaffSession.token_hash == session_token)


async def test_wrong_password_and_unknown_account_get_the_same_clear_answer(client):
    email = await factories.staff("admin")
    answers = []
    for login, password in ((email, "wrong password here"), ("nobody@x.org", "whatever12345")):
        token = await csrf_token(client)
        response = await client.post(
            "/login", data={"email": login, "password": password, "_csrf_token": token}
        )
        assert response.status_code == 400
        answers.append(response.text.split('id="login-error">')[1].split("<")[0])
    assert answers[0] == answers[1]
    assert "email or password is not right" in answers[0]
    assert await AuditEvent.count().where(AuditEvent.action == "login.failed") == 2


async def test_deactivated_accounts_cannot_sign_in(client):
    email = await factories.staff("admin")
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.email == email)
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"email": email, "password": factories.PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 400


async def test_login_rotates_the_session_id_and_ends_the_old_one(client):
    first = await factories.staff("admin")
    second = await factories.staff("executive")
    await sign_in(client, first, factories.PASSWORD)
    old_token = client.cookies.get("fb_session")
    await sign_in(client, second, factories.PASSWORD)
    new_token = client.cookies.get("fb_session")
    assert new_token != old_token
    assert await StaffSession.count() == 1
    client.cookies.clear()
    client.cookies.set("fb_session", old_token)
    assert (await client.get("/")).status_code == 303


async def test_logout_ends_the_session_on_the_server(client):
    email = await factories.staff("admin")
    await sign_in(client, email, factories.PASSWORD)
    token = client.cookies.get("fb_session")
    csrf = await csrf_token(client, "/")
    response = await client.post("/logout", data={"_csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?reason=signed-out"
    assert await StaffSession.count() == 0
    client.cookies.clear()
    client.cookies.set("fb_session", token)
    assert (await client.get("/")).headers["location"] == "/login"


async def _age_session(**ages: dt.timedelta) -> None:
    now = dt.datetime.now(dt.UTC)
    await StaffSession.update(
        {getattr(StaffSession, column): now - age for column, age in ages.items()}, force=True
    )


async def test_idle_timeout_is_enforced_by_the_server(client):
    email = await factories.staff("admin")
    await sign_in(client, email, factories.PASSWORD)
    await _age_session(last_seen_at=dt.timedelta(minutes=14))
    assert (await client.get("/")).status_code == 200
    await _age_session(last_seen_at=dt.timedelta(minutes=16))
    response = await client.get("/")
    assert response.status_code == 303
    assert await StaffSession.count() == 0
    login = await client.get("/login")
    assert "inactivity" in login.text


async def test_absolute_timeout_ends_even_an_active_session(client):
    email = await factories.staff("admin")
    await sign_in(client, email, factories.PASSWORD)
    await _age_session(created_at=dt.timedelta(hours=12, minutes=1), last_seen_at=dt.timedelta())
    assert (await client.get("/")).status_code == 303
    assert await StaffSession.count() == 0


async def test_activity_keeps_a_session_alive(client):
    email = await factories.staff("admin")
    await sign_in(client, email, factories.PASSWORD)
    await _age_session(last_seen_at=dt.timedelta(minutes=10))
    assert (await client.get("/")).status_code == 200
    row = await StaffSession.select(StaffSession.last_seen_at).first()
    assert dt.datetime.now(dt.UTC) - row["last_seen_at"] < dt.timedelta(minutes=1)


async def test_post_without_csrf_token_is_refused(client):
    email = await factories.staff("admin")
    await client.get("/login")
    response = await client.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 403
    await sign_in(client, email, factories.PASSWORD)
    response = await client.post("/logout")
    assert response.status_code == 403
    assert await StaffSession.count() == 1


async def test_csrf_token_in_the_htmx_header_is_accepted(client):
    email = await factories.staff("admin")
    await sign_in(client, email, factories.PASSWORD)
    page = await client.get("/")
    header_token = page.text.split('"x-csrftoken": "')[1].split('"')[0]
    response = await client.post("/logout", headers={"x-csrftoken": header_token})
    assert response.status_code == 303


async def test_next_only_redirects_within_the_site(client):
    email = await factories.staff("admin")
    for target, expected in (
        ("/admin/users", "/admin/users"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
    ):
        token = await csrf_token(client)
        response = await client.post(
            "/login",
            data={
                "email": email,
                "password": factories.PASSWORD,
                "_csrf_token": token,
                "next": target,
            },
        )
        assert response.headers["location"] == expected


async def test_housekeeping_drops_expired_sessions_and_old_rate_limit_counters(client, settings):
    from feedback.worker import BackgroundWork
    from integrations.ratelimit import hit
    from integrations.tables import RateLimitBucket

    email = await factories.staff("admin")
    await sign_in(client, email, factories.PASSWORD)
    await _age_session(last_seen_at=dt.timedelta(minutes=20))
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    assert await hit("kiosk:198.51.100.7", 5, dt.timedelta(hours=1), now=old)
    assert await hit("kiosk:198.51.100.7", 5, dt.timedelta(hours=1))
    await BackgroundWork(settings)._housekeeping()
    assert await StaffSession.count() == 0
    assert await RateLimitBucket.count() == 1
    assert "198.51.100.7" not in str(await RateLimitBucket.select())  # stored hashed


@contextlib.asynccontextmanager
async def _from_address(settings, address: str):  # type: ignore[no-untyped-def]
    """A browser at another address, on an app of its own (sharing the database)."""
    app = create_app(settings)
    for hook in app.on_startup:
        await hook(app)
    try:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as browser:
            yield browser
    finally:
        for hook in app.on_shutdown:
            await hook(app)


async def _attempt(browser, email: str, password: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    token = await csrf_token(browser)
    return await browser.post(
        "/login", data={"email": email, "password": password, "_csrf_token": token}
    )


async def test_guessing_is_throttled_where_it_happens_without_locking_the_owner_out(
    settings,
) -> None:
    async with _from_address(settings, "203.0.113.50") as attacker:
        email = await factories.staff("admin")
        for _ in range(5):
            assert (await _attempt(attacker, email, "wrong guess number")).status_code == 400
        blocked = await _attempt(attacker, email, factories.PASSWORD)
        assert blocked.status_code == 429
        assert "Too many unsuccessful sign-ins from this device" in blocked.text
        assert "session" not in blocked.cookies

        # An email with no account is throttled exactly alike: nothing tells them apart.
        for _ in range(5):
            missing = await _attempt(attacker, "nobody@hospital.example.org", "wrong guess")
            assert missing.status_code == 400
        assert (
            await _attempt(attacker, "nobody@hospital.example.org", "x" * 12)
        ).status_code == 429

    async with _from_address(settings, "198.51.100.20") as owner:
        signed_in = await _attempt(owner, email, factories.PASSWORD)
        assert signed_in.status_code == 303


async def test_a_failed_sign_in_reads_the_same_for_known_and_unknown_emails(settings) -> None:
    async with _from_address(settings, "203.0.113.60") as browser:
        email = await factories.staff("lead", await factories.department())
        known = await _attempt(browser, email, "not the password at all")
        unknown = await _attempt(browser, "ghost@hospital.example.org", "not the password at all")
    assert known.status_code == unknown.status_code == 400
    assert GENERIC_LOGIN_ERROR in known.text and GENERIC_LOGIN_ERROR in unknown.text
