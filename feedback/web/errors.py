"""Error answers: JSON for the API, a page for people, and nothing private in either."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from feedback.logs import exception_summary, log_event
from feedback.web.outage import database_unavailable, outage_response

API_PREFIX = "/api/"

FRIENDLY_TITLES = {
    400: "We could not use what was sent",
    401: "Please sign in",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not available here",
    413: "That upload is too large",
    429: "Too many requests",
    503: "The service is briefly unavailable",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == "/healthz"


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        return _to_sign_in(request)
    detail = exc.detail if status < 500 else FRIENDLY_TITLES.get(status, "Service error")
    errors = _field_errors(exc)
    if wants_json(request):
        body: dict[str, object] = {"status_code": status, "detail": detail}
        if errors:
            body["errors"] = errors
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=exc.headers)
    return Template(
        template_name="errors/error.html",
        context={
            "status_code": status,
            "title": FRIENDLY_TITLES.get(status, "Something went wrong"),
            "detail": detail,
            "errors": errors,
            "staff": request.scope.get("user"),
            "navigation": [],
            "flash_messages": [],
        },
        status_code=status,
        headers=exc.headers,
    )


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if database_unavailable(exc):
        # Not a defect: the database is out of reach for a moment (feedback/web/outage.py).
        return outage_response(request, exc, wants_json(request))
    incident = secrets.token_hex(6)
    log_event(
        "unhandled_error",
        logging.ERROR,
        incident=incident,
        route=request.scope.get("path_template", ""),
        method=request.method,
        **exception_summary(exc),
    )
    message = f"Something went wrong on our side. Incident {incident} has been logged."
    if wants_json(request):
        return Response(
            {"status_code": 500, "detail": message, "incident": incident},
            status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return Template(
        template_name="errors/error.html",
        context={
            "status_code": 500,
            "title": "Something went wrong",
            "detail": message,
            "errors": [],
            "staff": None,
            "navigation": [],
            "flash_messages": [],
        },
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _to_sign_in(request: Request) -> Response:
    target = "/login"
    if request.method == "GET" and request.url.path not in ("/", "/login"):
        target += f"?next={quote(request.url.path)}"
    if request.headers.get("hx-request") == "true":
        # htmx would swap a redirect's target into the page; HX-Redirect makes it navigate.
        return Response("", status_code=401, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def _field_errors(exc: HTTPException) -> list[dict[str, str]]:
    if not isinstance(exc, ValidationException) or not isinstance(exc.extra, list):
        return []
    # Keep the field and the reason; never echo the submitted value back.
    return [
        {"field": str(item.get("key", "")), "message": str(item.get("message", ""))}
        for item in exc.extra
        if isinstance(item, dict)
    ]
