"""One log line per request: route template, status, duration, staff id. No paths, no PHI."""

from __future__ import annotations

import time

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from feedback.logs import log_event


class RequestLogMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Static assets are not worth a log line (and Litestar 3 matches exclusions on scope).
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await next_app(scope, receive, send_wrapper)
        finally:
            user = scope.get("user")
            log_event(
                "request",
                method=scope.get("method", ""),
                route=scope.get("path_template", ""),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                staff_id=getattr(user, "id", None),
            )
