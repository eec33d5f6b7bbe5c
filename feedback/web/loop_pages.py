"""Public pages of the closed loop: a respondent's "what happened to my feedback", and each
location's "you said, we did" list. No names, no accounts."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from feedback.services.improvements import response_from_tracking_token
from feedback.services.loop_status import feedback_journey, published_changes
from surveys.i18n import TEXTS, pick_language
from surveys.web import too_many

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
TRACKING_LIMIT = 120  # per client address and hour


@get("/t/{token:str}", include_in_schema=False, name="tracking")
async def tracking(
    request: Request, token: FromPath[str], lang: FromQuery[str | None] = None
) -> Response:
    language = pick_language(lang)
    busy = await too_many(request, "tracking", TRACKING_LIMIT, language, token)
    if busy:
        return busy
    response_id = response_from_tracking_token(token, request.app.state.settings.blind_index_key)
    if response_id is None:
        return Template(
            template_name="surveys/link_problem.html",
            context={
                "t": TEXTS[language],
                "lang": language,
                "title": TEXTS[language]["unknown_title"],
                "body": TEXTS[language]["unknown_body"],
            },
            status_code=404,
            headers=PRIVATE_HEADERS,
        )
    journey = await feedback_journey(response_id)
    return Template(
        template_name="loop/tracking.html",
        context={"t": TEXTS[language], "lang": language, "journey": journey},
        headers=PRIVATE_HEADERS,
    )


@get("/you-said-we-did", include_in_schema=False, name="you_said_we_did")
async def you_said_we_did(lang: FromQuery[str | None] = None) -> Template:
    language = pick_language(lang)
    return Template(
        template_name="loop/changes.html",
        context={"t": TEXTS[language], "lang": language, **await published_changes()},
    )


@get("/you-said-we-did/{slug:str}", include_in_schema=False)
async def you_said_we_did_here(slug: FromPath[str], lang: FromQuery[str | None] = None) -> Template:
    language = pick_language(lang)
    data = await published_changes(slug)
    return Template(
        template_name="loop/changes.html",
        context={"t": TEXTS[language], "lang": language, **data},
        status_code=404 if data["unknown"] else 200,
    )
