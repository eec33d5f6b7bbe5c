"""The patients' survey pages, as a router the composition root mounts with a response sink.

No account, no JavaScript needed, phone first. The token is consumed only by the POST that
submits answers (mail scanners prefetch GET links). Token pages are never cached and never
leak their address through the Referer header.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from integrations.crypto import KeyRing
from integrations.email import index_from_unsubscribe_token, suppress_index
from integrations.ratelimit import hit_each, hits_each, plan_hits
from integrations.sql import InsertPlan
from surveys.definition import NUMERIC_TYPES, Definition
from surveys.i18n import TEXTS, pick_language
from surveys.kiosk import KioskSurvey, open_kiosk, submit_kiosk
from surveys.service import (
    InvitationProblem,
    OpenInvitation,
    ResponseSink,
    has_consent,
    open_invitation,
    record_consents,
    submit_invitation,
)
from surveys.tables import Location
from surveys.tables import Response as SurveyResponse

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page(template: str, context: dict, status_code: int = 200) -> Template:
    return Template(
        template_name=template,
        context=context,
        status_code=status_code,
        headers=PRIVATE_HEADERS,
    )


def _link_problem(kind: str, language: str) -> Template:
    texts = TEXTS[language]
    status = {"unknown": 404, "expired": 410, "used": 200}[kind]
    return _page(
        "surveys/link_problem.html",
        {
            "t": texts,
            "lang": language,
            "title": texts[f"{kind}_title"],
            "body": texts[f"{kind}_body"],
        },
        status_code=status,
    )


def _survey_context(
    invitation: OpenInvitation,
    language: str,
    token: str,
    answers: Mapping[str, list[str]] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict:
    definition: Definition = invitation.definition
    return {
        "t": TEXTS[language],
        "lang": language,
        "other_lang": "es" if language == "en" else "en",
        "definition": definition,
        "location_name": invitation.location_name,
        "action": f"/s/{token}",
        "self_path": f"/s/{token}",
        "answers": answers or {},
        "errors": errors or {},
        "numeric": NUMERIC_TYPES,
    }


KIOSK_COOKIE = "fb_kiosk"
LIMIT_WINDOW = dt.timedelta(hours=1)
UNSUBSCRIBE_LIMIT = 60
# Per client address and hour. A 256-bit token cannot be guessed; this stops a client
# hammering the endpoints (a hospital's shared Wi-Fi still has plenty of room).
SURVEY_LIMIT = 120
# Per link and hour, whatever the address: one link posted to from many addresses (a leaked
# link, a botnet) is stopped too. A patient fixing a form a few times is far below it.
TOKEN_LIMIT = 30


def _client_key(request: Request, bucket: str) -> str:
    return f"{bucket}:{request.client.host if request.client else 'unknown'}"


def _token_key(bucket: str, token: str) -> str:
    return f"{bucket}-link:{token}"  # hashed before it is stored, like every key


def _busy_page(language: str) -> Template:
    return _page(
        "surveys/link_problem.html",
        {
            "t": TEXTS[language],
            "lang": language,
            "title": TEXTS[language]["busy_title"],
            "body": TEXTS[language]["busy_body"],
        },
        status_code=429,
    )


async def too_many(
    request: Request, bucket: str, limit: int, language: str, token: str | None = None
) -> Response | None:
    """A kind 429 page when this client has used up its hourly allowance for `bucket`, or
    the link `token` its own (counted in the database, so every worker process shares
    them), else None."""
    keys = [_client_key(request, bucket)]
    if token is not None:
        keys.append(_token_key(bucket, token))
    counts = await hit_each(keys, LIMIT_WINDOW)
    if counts[0] <= limit and (token is None or counts[1] <= TOKEN_LIMIT):
        return None
    return _busy_page(language)


def survey_router(
    sink: ResponseSink,
    *,
    keyring: KeyRing | None = None,
    suppression_key: bytes,
    secure_cookies: bool = True,
    kiosk_limit_per_hour: int = 30,
    tracking_path: Callable[[int], str] | None = None,
) -> Router:
    @get("/s/{token:str}", name="survey")
    async def survey_page(token: FromPath[str], lang: FromQuery[str | None] = None) -> Response:
        try:
            invitation = await open_invitation(token)
        except InvitationProblem as problem:
            return _link_problem(problem.kind, pick_language(lang))
        language = pick_language(lang, invitation.language)
        if invitation.used:
            return _link_problem("used", language)
        return _page("surveys/survey.html", _survey_context(invitation, language, token))

    @post("/s/{token:str}")
    async def survey_submit(request: Request, token: FromPath[str]) -> Response:
        form = await request.form()
        answers = {key: form.getall(key) for key in form if key != "_csrf_token"}
        language = pick_language(str(form.get("lang", "")))
        # The allowance is looked at before any work and counted with it: in the statement
        # or transaction that claims the link (one durable commit for both), on its own
        # otherwise. Concurrent posts from one address can overshoot it by a few; it is there
        # to stop a client hammering, not to be exact.
        keys = [_client_key(request, "survey"), _token_key("survey", token)]
        by_address, by_link = await hits_each(keys, LIMIT_WINDOW)
        if by_address >= SURVEY_LIMIT or by_link >= TOKEN_LIMIT:
            return _busy_page(language)
        counted: list[bool] = []

        def count_with(plan: InsertPlan) -> None:
            plan_hits(plan, keys, LIMIT_WINDOW)
            counted.append(True)

        try:
            outcome = await submit_invitation(
                token, answers, language, sink, also_write=count_with, keyring=keyring
            )
        except InvitationProblem as problem:
            await hit_each(keys, LIMIT_WINDOW)
            return _link_problem(problem.kind, language)
        if not counted:
            await hit_each(keys, LIMIT_WINDOW)
        if outcome.already_submitted or outcome.response_id is not None:
            return Redirect(
                f"/s/{token}/thanks?lang={language}", status_code=303, headers=PRIVATE_HEADERS
            )
        invitation = await open_invitation(token)
        context = _survey_context(invitation, language, token, answers, outcome.check.errors)
        return _page("surveys/survey.html", context, status_code=422)

    @get("/s/{token:str}/thanks", name="survey_thanks")
    async def thanks(
        token: FromPath[str], lang: FromQuery[str | None] = None, saved: FromQuery[bool] = False
    ) -> Response:
        try:
            invitation = await open_invitation(token)
        except InvitationProblem as problem:
            return _link_problem(problem.kind, pick_language(lang))
        language = pick_language(lang, invitation.language)
        if not invitation.used:
            return Redirect(f"/s/{token}?lang={language}", status_code=303)
        location = (
            await Location.select(Location.review_url)
            .where(Location.id == invitation.location_id)
            .first()
        )
        response = (
            await SurveyResponse.select(SurveyResponse.id)
            .where(SurveyResponse.invitation == invitation.id)
            .first()
        )
        return _page(
            "surveys/thanks.html",
            {
                "t": TEXTS[language],
                "lang": language,
                "consented": await has_consent(invitation.patient_id, "improvement_updates"),
                "saved": saved,
                "consent_action": f"/s/{token}/consent",
                "review_url": location["review_url"] if location else "",
                "tracking": tracking_path(response["id"]) if tracking_path and response else "",
            },
        )

    @post("/s/{token:str}/consent")
    async def consent(request: Request, token: FromPath[str]) -> Response:
        form = await request.form()
        language = pick_language(str(form.get("lang", "")))
        try:
            await record_consents(
                token,
                {
                    purpose
                    for purpose in ("improvement_updates", "follow_up")
                    if form.get(purpose) == "yes"
                },
            )
        except InvitationProblem as problem:
            return _link_problem(problem.kind, language)
        return Redirect(
            f"/s/{token}/thanks?lang={language}&saved=true",
            status_code=303,
            headers=PRIVATE_HEADERS,
        )

    @get("/privacy", name="privacy")
    async def privacy(lang: FromQuery[str | None] = None) -> Template:
        language = pick_language(lang)
        return Template(
            template_name=f"surveys/privacy_{language}.html",
            context={"t": TEXTS[language], "lang": language},
        )

    def kiosk_context(
        kiosk: KioskSurvey,
        slug: str,
        language: str,
        answers: Mapping[str, list[str]] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> dict:
        return {
            "t": TEXTS[language],
            "lang": language,
            "other_lang": "es" if language == "en" else "en",
            "definition": kiosk.definition,
            "location_name": kiosk.location_name,
            "action": f"/k/{slug}",
            "self_path": f"/k/{slug}",
            "answers": answers or {},
            "errors": errors or {},
            "numeric": NUMERIC_TYPES,
        }

    @get("/k/{slug:str}", name="kiosk")
    async def kiosk_page(
        request: Request, slug: FromPath[str], lang: FromQuery[str | None] = None
    ) -> Response:
        language = pick_language(lang)
        try:
            kiosk = await open_kiosk(slug)
        except InvitationProblem as problem:
            return _link_problem(problem.kind, language)
        response = _page("surveys/survey.html", kiosk_context(kiosk, slug, language))
        if not request.cookies.get(KIOSK_COOKIE):
            # A device session: it ends with the submit, so the next person starts afresh.
            response.set_cookie(
                KIOSK_COOKIE,
                secrets.token_urlsafe(32),
                path="/k/",
                httponly=True,
                samesite="lax",
                secure=secure_cookies,
            )
        return response

    @post("/k/{slug:str}")
    async def kiosk_submit(request: Request, slug: FromPath[str]) -> Response:
        form = await request.form()
        language = pick_language(str(form.get("lang", "")))
        busy = await too_many(request, "kiosk", kiosk_limit_per_hour, language)
        if busy:
            return busy
        device = request.cookies.get(KIOSK_COOKIE)
        if not device:
            return Redirect(f"/k/{slug}?lang={language}", status_code=303)
        answers = {key: form.getall(key) for key in form if key not in ("_csrf_token", "lang")}
        try:
            outcome = await submit_kiosk(slug, device, answers, language, sink)
        except InvitationProblem as problem:
            return _link_problem(problem.kind, language)
        if not outcome.check.ok:
            kiosk = await open_kiosk(slug)
            return _page(
                "surveys/survey.html",
                kiosk_context(kiosk, slug, language, answers, outcome.check.errors),
                status_code=422,
            )
        done = Redirect(
            f"/k/{slug}/thanks?lang={language}", status_code=303, headers=PRIVATE_HEADERS
        )
        done.delete_cookie(KIOSK_COOKIE, path="/k/")
        return done

    @get("/k/{slug:str}/thanks")
    async def kiosk_thanks(slug: FromPath[str], lang: FromQuery[str | None] = None) -> Response:
        language = pick_language(lang)
        try:
            kiosk = await open_kiosk(slug)
        except InvitationProblem as problem:
            return _link_problem(problem.kind, language)
        return _page(
            "surveys/thanks.html",
            {
                "t": TEXTS[language],
                "lang": language,
                "anonymous": True,
                "again_path": f"/k/{slug}?lang={language}",
                "review_url": kiosk.review_url,
                "consented": False,
                "saved": False,
                "consent_action": "",
            },
        )

    @get("/unsubscribe/{token:str}", name="unsubscribe")
    async def unsubscribe_page(
        token: FromPath[str], lang: FromQuery[str | None] = None
    ) -> Response:
        # A GET never unsubscribes: mail scanners and link previews fetch every link.
        language = pick_language(lang)
        if index_from_unsubscribe_token(token, suppression_key) is None:
            return _link_problem("unknown", language)
        return _page(
            "surveys/unsubscribe.html",
            {
                "t": TEXTS[language],
                "lang": language,
                "action": f"/unsubscribe/{token}",
                "done": False,
            },
        )

    # RFC 8058 one-click: the mail provider POSTs without cookies, so no CSRF token can come.
    @post("/unsubscribe/{token:str}", opt={"exclude_from_csrf": True})
    async def unsubscribe(request: Request, token: FromPath[str]) -> Response:
        form = await request.form()
        language = pick_language(str(form.get("lang", "")))
        busy = await too_many(request, "unsubscribe", UNSUBSCRIBE_LIMIT, language, token)
        if busy:
            return busy
        index = index_from_unsubscribe_token(token, suppression_key)
        if index is None:
            return _link_problem("unknown", language)
        await suppress_index(index, "unsubscribed")
        return _page(
            "surveys/unsubscribe.html",
            {"t": TEXTS[language], "lang": language, "action": "", "done": True},
        )

    return Router(
        path="/",
        route_handlers=[
            survey_page,
            survey_submit,
            thanks,
            consent,
            privacy,
            kiosk_page,
            kiosk_submit,
            kiosk_thanks,
            unsubscribe_page,
            unsubscribe,
        ],
        include_in_schema=False,
    )
