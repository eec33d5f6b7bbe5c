"""Staff sign-in and sign-out."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from feedback.auth.sessions import end_session, start_session
from feedback.services import audit
from feedback.services.sign_in import THROTTLED_MESSAGE, count_failure, throttled
from feedback.services.staff import authenticate
from feedback.settings import Settings
from feedback.web.rendering import client_address, render
from feedback.web.session_middleware import SESSION_COOKIE, read_cookie

GENERIC_LOGIN_ERROR = "The email or password is not right. Check both and try again."
REASONS = {
    "expired": "Your session ended after a period of inactivity. Please sign in again.",
    "signed-out": "You have signed out.",
}


def safe_next(target: str | None) -> str:
    """Only ever redirect to a path on this site (no //host, no scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@get("/login", include_in_schema=False, name="login")
async def login_page(
    request: Request, next: FromQuery[str | None] = None, reason: FromQuery[str | None] = None
) -> Response:
    if request.scope.get("user") is not None:
        return Redirect(safe_next(next), status_code=303)
    notice = REASONS.get(reason or "")
    if request.scope.get("state", {}).get("session_expired"):
        notice = REASONS["expired"]
    return await render(
        request,
        "login.html",
        {"next": safe_next(next), "notice": notice, "error": None, "email": ""},
    )


@post("/login", include_in_schema=False)
async def login_submit(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    form = await request.form()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    client = client_address(request)
    if await throttled(email, client):
        # Checked before the password, so a throttled guess learns nothing and costs no hash.
        await audit.record("login.throttled", client_address=client)
        context = {"next": target, "notice": None, "error": THROTTLED_MESSAGE, "email": email}
        return await render(request, "login.html", context, status_code=429)
    user_id = await authenticate(email, password) if email and password else None
    if user_id is None:
        await count_failure(email, client)
        await audit.record("login.failed", client_address=client)
        context = {"next": target, "notice": None, "error": GENERIC_LOGIN_ERROR, "email": email}
        return await render(request, "login.html", context, status_code=400)
    token = await start_session(user_id, replaces_token=read_cookie(request.scope, SESSION_COOKIE))
    await audit.record(
        "login.succeeded",
        actor_label=email,
        object_type="staff_user",
        object_id=user_id,
        client_address=client,
    )
    response: Response = Redirect(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


@post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    token = read_cookie(request.scope, SESSION_COOKIE)
    staff = request.scope.get("user")
    if token:
        await end_session(token)
    if staff is not None:
        await audit.record("logout", actor=staff, client_address=client_address(request))
    response: Response = Redirect("/login?reason=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


__all__ = ["login_page", "login_submit", "logout"]
