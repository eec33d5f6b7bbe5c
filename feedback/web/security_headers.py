"""Security headers on every response, errors and 404s included (a before-send hook, which
Litestar runs for every response, unlike route middleware).

The CSP allows only our own scripts and styles (htmx is served from /static; no inline script,
no eval: htmx runs with allowEval off and its indicator styles off). Pages are never framed.
Everything but static assets is private: not cached, and no Referer is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
CACHEABLE_PREFIXES = ("/static/",)


def security_headers(hsts: bool) -> Callable[[Message, Scope], Coroutine[Any, Any, None]]:
    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not scope.get("path", "").startswith(CACHEABLE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        if hsts:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    return add_headers
