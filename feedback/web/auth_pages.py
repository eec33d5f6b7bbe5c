"""Staff sign-in and sign-out."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect

from feedback.auth.sessions import end_session, start_session
from feedback.services import audit
from feedback.services.mfa import (
    CHALLENGE_LIFETIME,
    Challenge,
    answer_challenge,
    load_challenge,
    needs_second_step,
    open_challenge,
    required_roles,
    setup_details,
)
from feedback.services.sign_in import THROTTLED_MESSAGE, count_failure, throttled
from feedback.services.staff import authenticate
from feedback.settings import Settings
from feedback.web.rendering import client_address, render
from feedback.web.session_middleware import SESSION_COOKIE, read_cookie
from integrations.qr import qr_svg

GENERIC_LOGIN_ERROR = "The email or password is not right. Check both and try again."
MFA_COOKIE = "mfa_challenge"
QR_TITLE = "QR code for your authenticator app"
WRONG_CODE = (
    "That code is not right, or was already used. Enter the 6-digit code your authenticator "
    "app shows now."
)
REASONS = {
    "code-expired": "Your sign-in took too long or had too many wrong codes. Please start again.",
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
    if await needs_second_step(user_id, required_roles(settings.mfa_required_roles)):
        challenge = await open_challenge(
            user_id, target, settings.keyring, replaces=read_cookie(request.scope, MFA_COOKIE)
        )
        await audit.record(
            "login.password_accepted",
            actor_label=email,
            object_type="staff_user",
            object_id=user_id,
            client_address=client,
        )
        response: Response = Redirect("/login/verify", status_code=303)
        challenge_cookie(response, challenge, settings)
        return response
    return await _signed_in(request, user_id, email, target, second_step=False)


def challenge_cookie(response: Response, token: str, settings: Settings) -> None:
    """The cookie that carries a sign-in between password and code, only to /login pages."""
    response.set_cookie(
        MFA_COOKIE,
        token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/login",
        max_age=int(CHALLENGE_LIFETIME.total_seconds()),
    )


async def _signed_in(
    request: Request, user_id: int, email: str, target: str, *, second_step: bool
) -> Response:
    settings: Settings = request.app.state.settings
    token = await start_session(user_id, replaces_token=read_cookie(request.scope, SESSION_COOKIE))
    await audit.record(
        "login.succeeded",
        actor_label=email,
        object_type="staff_user",
        object_id=user_id,
        client_address=client_address(request),
        detail={"second_step": second_step},
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
    response.delete_cookie(MFA_COOKIE, path="/login")
    return response


@get("/login/verify", include_in_schema=False, name="login_verify")
async def verify_page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    challenge = await load_challenge(read_cookie(request.scope, MFA_COOKIE), settings.keyring)
    if challenge is None:
        return Redirect("/login?reason=code-expired", status_code=303)
    return await _verify_form(request, challenge)


async def _verify_form(
    request: Request, challenge: Challenge, error: str | None = None, status_code: int = 200
) -> Response:
    context: dict[str, object] = {"error": error, "enrolled": challenge.enrolled}
    if not challenge.enrolled:
        context["secret"] = setup_details(challenge)["secret"]
    return await render(request, "login_verify.html", context, status_code=status_code)


@get("/login/verify/qr.svg", include_in_schema=False)
async def verify_qr(request: Request) -> Response:
    """The set-up QR code, drawn here (no third party ever sees the secret)."""
    settings: Settings = request.app.state.settings
    challenge = await load_challenge(read_cookie(request.scope, MFA_COOKIE), settings.keyring)
    if challenge is None or challenge.enrolled:
        raise NotFoundException()
    svg = qr_svg(setup_details(challenge)["uri"], QR_TITLE)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@post("/login/verify", include_in_schema=False)
async def verify_submit(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    challenge = await load_challenge(read_cookie(request.scope, MFA_COOKIE), settings.keyring)
    if challenge is None:
        return Redirect("/login?reason=code-expired", status_code=303)
    client = client_address(request)
    if await throttled(challenge.email, client):
        return await _verify_form(request, challenge, THROTTLED_MESSAGE, 429)
    form = await request.form()
    if not await answer_challenge(challenge, str(form.get("code", "")), settings.keyring):
        await count_failure(challenge.email, client)
        await audit.record(
            "login.code_failed",
            object_type="staff_user",
            object_id=challenge.user_id,
            client_address=client,
        )
        if await load_challenge(read_cookie(request.scope, MFA_COOKIE), settings.keyring) is None:
            return Redirect("/login?reason=code-expired", status_code=303)
        return await _verify_form(request, challenge, WRONG_CODE, 400)
    return await _signed_in(
        request, challenge.user_id, challenge.email, challenge.next_path, second_step=True
    )


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


__all__ = ["login_page", "login_submit", "logout", "verify_page", "verify_qr", "verify_submit"]
