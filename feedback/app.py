"""The composition root: `create_app(settings)` wires every floor together."""

from __future__ import annotations

import datetime as dt
import gc
from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from feedback.analysis import warm_up
from feedback.auth.roles import Role
from feedback.auth.sessions import SessionPolicy
from feedback.db import bind_engine, close_engine, make_engine, start_engine
from feedback.logs import configure_logging
from feedback.services import audit
from feedback.services.improvements import tracking_token
from feedback.services.survey_intake import take_survey_response
from feedback.settings import PROJECT_ROOT, Settings
from feedback.web.account_pages import (
    account_page,
    emergency_review,
    end_emergency,
    monthly_summary_choice,
    open_emergency,
    start_two_step,
)
from feedback.web.admin_outbox import OutboxAdminController
from feedback.web.admin_routing import RoutingAdminController
from feedback.web.admin_users import StaffAdminController
from feedback.web.admin_visits import VisitImportController
from feedback.web.api import ApiController
from feedback.web.auth_pages import (
    login_page,
    login_submit,
    logout,
    verify_page,
    verify_qr,
    verify_submit,
)
from feedback.web.errors import http_exception_handler, internal_error_handler
from feedback.web.feedback_pages import (
    feedback_create,
    feedback_detail,
    feedback_export,
    feedback_list,
    feedback_new,
    kudos_page,
)
from feedback.web.guards import roles
from feedback.web.health import healthz, ping
from feedback.web.home import home
from feedback.web.improvement_pages import (
    improvement_create,
    improvement_new,
    improvement_page,
    improvement_publish,
    improvements,
)
from feedback.web.loop_pages import tracking, you_said_we_did, you_said_we_did_here
from feedback.web.patient_pages import PatientRightsController
from feedback.web.proxies import TrustedProxyMiddleware, parse_networks
from feedback.web.rendering import client_address, render
from feedback.web.report_pages import dashboard_page, figures_csv, summary_pdf
from feedback.web.request_log import RequestLogMiddleware
from feedback.web.results_pages import results_page
from feedback.web.review_pages import ReviewAdminController
from feedback.web.security_headers import security_headers
from feedback.web.session_middleware import StaffSessionMiddleware
from feedback.web.ticket_pages import (
    ticket_bulk,
    ticket_merge,
    ticket_note,
    ticket_owner,
    ticket_page,
    ticket_queue,
    ticket_recovery,
    ticket_reply,
    ticket_split,
    ticket_status,
    ticket_tags,
)
from feedback.worker import BackgroundWork
from integrations.db_values import aware
from surveys.admin_web import survey_admin_router
from surveys.web import survey_router

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = PROJECT_ROOT / "node_modules" / "htmx.org" / "dist"
CSRF_COOKIE = "fb_csrf"


class SetupIncomplete(RuntimeError):
    pass


def _jinja_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["datetime"] = _format_datetime
    environment.filters["date"] = _format_date
    return environment


def _format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    return aware(value).astimezone(dt.UTC).strftime("%d %b %Y, %H:%M UTC")


def _format_date(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else "—"


def create_app(settings: Settings) -> Litestar:
    if not (VENDOR_DIR / "htmx.min.js").exists():
        raise SetupIncomplete(
            "htmx is not installed (node_modules/htmx.org is missing): run `make setup` first"
        )
    configure_logging(settings.log_level)
    engine = make_engine(settings)
    bind_engine(engine)
    policy = SessionPolicy(
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
        absolute=dt.timedelta(hours=settings.session_absolute_hours),
    )

    background = BackgroundWork(settings)

    async def audit_survey_change(request: Request, action: str, key: str) -> None:
        await audit.record(
            action,
            actor=request.scope["user"],
            object_type="survey",
            object_id=key,
            client_address=client_address(request),
        )

    async def open_database(app: Litestar) -> None:
        await start_engine(engine, settings)
        if settings.dispatch_in_process:
            background.start()

    async def warm_analyzer(app: Litestar) -> None:
        warm_up()
        # What start-up built (the analyzer's lexicons and weights, the templates, the
        # routes) lives as long as the process: take it out of the cyclic collector's sight,
        # so a full collection under load does not walk it each time.
        gc.collect()
        gc.freeze()

    async def close_database(app: Litestar) -> None:
        await background.close()
        await close_engine(engine)

    app = Litestar(
        route_handlers=[
            healthz,
            ping,
            login_page,
            login_submit,
            verify_page,
            verify_qr,
            verify_submit,
            logout,
            account_page,
            start_two_step,
            monthly_summary_choice,
            open_emergency,
            end_emergency,
            emergency_review,
            home,
            feedback_list,
            feedback_export,
            feedback_new,
            feedback_create,
            feedback_detail,
            kudos_page,
            results_page,
            dashboard_page,
            summary_pdf,
            figures_csv,
            improvements,
            improvement_new,
            improvement_create,
            improvement_page,
            improvement_publish,
            tracking,
            you_said_we_did,
            you_said_we_did_here,
            ticket_queue,
            ticket_page,
            ticket_status,
            ticket_note,
            ticket_owner,
            ticket_tags,
            ticket_bulk,
            ticket_recovery,
            ticket_merge,
            ticket_split,
            ticket_reply,
            StaffAdminController,
            RoutingAdminController,
            OutboxAdminController,
            VisitImportController,
            ReviewAdminController,
            PatientRightsController,
            ApiController,
            survey_router(
                sink=partial(
                    take_survey_response, base_url=settings.base_url, keyring=settings.keyring
                ),
                keyring=settings.keyring,
                suppression_key=settings.blind_index_key,
                secure_cookies=settings.secure_cookies,
                kiosk_limit_per_hour=settings.kiosk_limit_per_hour,
                tracking_path=lambda response_id: (
                    f"/t/{tracking_token(response_id, settings.blind_index_key)}"
                ),
            ),
            survey_admin_router(
                guards=[roles(Role.ADMIN)],
                render=render,
                after_change=audit_survey_change,
                base_url=settings.base_url,
                keyring=settings.keyring,
            ),
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
            create_static_files_router(
                path="/static/vendor",
                directories=[VENDOR_DIR],
                name="vendor",
                include_in_schema=False,
            ),
        ],
        middleware=[
            DefineMiddleware(
                TrustedProxyMiddleware, networks=parse_networks(settings.trusted_proxies)
            ),
            RequestLogMiddleware(),
            StaffSessionMiddleware(policy),
        ],
        before_send=[security_headers(hsts=settings.environment == "production")],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=CSRF_COOKIE,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            header_name="x-csrftoken",
        ),
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(_jinja_environment())
        ),
        openapi_config=OpenAPIConfig(
            title="Patient feedback loop API", version="1", path="/schema"
        ),
        exception_handlers={
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
        on_startup=[open_database, warm_analyzer],
        on_shutdown=[close_database],
        logging_config=None,
        debug=False,
    )
    app.state.engine = engine
    app.state.settings = settings
    return app
