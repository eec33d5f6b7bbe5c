"""Attaches the signed-in staff member (or None) to every HTTP request."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from feedback.auth.sessions import SessionPolicy, load_session
from feedback.services import audit

SESSION_COOKIE = "fb_session"


class StaffSessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Static assets and the health probe never need to know who is asking.
    should_bypass_for_scope = staticmethod(
        lambda scope: scope["path"].startswith("/static/") or scope["path"] == "/healthz"
    )

    def __init__(self, policy: SessionPolicy) -> None:
        self.policy = policy

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = read_cookie(scope, SESSION_COOKIE)
        session = await load_session(token, self.policy) if token else None
        scope["user"] = session.staff if session else None
        scope["auth"] = session
        # Remembered so the login page can tell "your session expired" from a first visit.
        scope.setdefault("state", {})["session_expired"] = bool(token) and session is None
        if session is not None and session.staff.emergency_access:
            # Under break-glass every page opened is recorded, for the review that follows.
            await audit.record(
                "break_glass.request",
                actor=session.staff,
                object_type="request",
                client_address=scope["client"][0] if scope.get("client") else "",
                detail={"method": scope["method"], "path": scope["path"][:200]},
            )
        await next_app(scope, receive, send)


def read_cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = part.strip().partition("=")
                if cookie_name == name and cookie_value:
                    return cookie_value
    return None
