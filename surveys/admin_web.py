"""Staff pages for survey administration, mounted by the composition root with its guards and
its page renderer (this floor cannot import the staff layout's helpers from above)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from integrations.crypto import KeyRing
from surveys.admin import (
    STARTER_DEFINITION,
    SurveyAdminError,
    add_assignment,
    create_survey,
    export_fhir,
    export_json,
    import_survey,
    kiosk_locations,
    kiosk_qr_svg,
    list_surveys,
    publish_draft,
    remove_assignment,
    responses_csv,
    responses_fhir,
    save_draft,
    set_kiosk,
    set_retired,
    start_draft,
    survey_detail,
)
from surveys.definition import NUMERIC_TYPES, definition_to_data
from surveys.i18n import TEXTS, pick_language
from surveys.tables import Location
from surveys.visit_import import VISIT_TYPES

Render = Callable[..., Awaitable[Template]]
AfterChange = Callable[[Request, str, str], Awaitable[None]]


def _download(body: str, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def survey_admin_router(
    guards: Sequence[Any],
    render: Render,
    after_change: AfterChange,
    base_url: str,
    keyring: KeyRing,
) -> Router:
    async def detail_page(
        request: Request,
        key: str,
        status_code: int = 200,
        problems: list[str] | None = None,
        draft_text: str | None = None,
    ) -> Response:
        detail = await survey_detail(key)
        draft = detail.draft
        text = draft_text
        if text is None and draft is not None:
            text = json.dumps(definition_to_data(draft.definition), indent=2, ensure_ascii=False)
        context = {
            "survey": detail,
            "draft_text": text or "",
            "problems": problems or [],
            "visit_types": VISIT_TYPES,
            "locations": await Location.select(Location.id, Location.name).order_by(Location.name),
            "kiosks": await kiosk_locations(key),
            "base_url": base_url,
        }
        return await render(
            request,
            "admin/survey.html",
            context,
            partial="admin/_survey_draft.html" if problems is not None else None,
            status_code=status_code,
        )

    @get("/", name="survey_admin")
    async def index(request: Request) -> Response:
        return await render(request, "admin/surveys.html", {"surveys": await list_surveys()})

    @post("/new")
    async def new_survey(request: Request) -> Response:
        form = await request.form()
        key = str(form.get("key", "")).strip().lower()
        try:
            await create_survey(key, str(form.get("name", "")), STARTER_DEFINITION)
        except SurveyAdminError as exc:
            return await render(
                request,
                "admin/surveys.html",
                {"surveys": await list_surveys(), "problems": exc.problems},
                status_code=422,
            )
        await after_change(request, "survey.created", key)
        return Redirect(f"/admin/surveys/{key}#draft", status_code=303)

    @post("/import")
    async def upload(request: Request) -> Response:
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            problems = ["Choose a survey file (.json, our format or a FHIR Questionnaire)."]
        else:
            try:
                fallback = upload.filename.rsplit(".", 1)[0].lower()
                key = await import_survey(await upload.read(), fallback)
            except SurveyAdminError as exc:
                problems = exc.problems
            else:
                await after_change(request, "survey.imported", key)
                return Redirect(f"/admin/surveys/{key}", status_code=303)
        return await render(
            request,
            "admin/surveys.html",
            {"surveys": await list_surveys(), "problems": problems},
            status_code=422,
        )

    @get("/{key:str}", name="survey_admin_detail")
    async def detail(request: Request, key: FromPath[str]) -> Response:
        try:
            return await detail_page(request, key)
        except SurveyAdminError as exc:
            return await render(
                request,
                "admin/surveys.html",
                {"surveys": await list_surveys(), "problems": exc.problems},
                status_code=404,
            )

    @post("/{key:str}/draft")
    async def new_draft(request: Request, key: FromPath[str]) -> Response:
        await start_draft(key)
        return Redirect(f"/admin/surveys/{key}#draft", status_code=303)

    @post("/{key:str}/draft/save")
    async def save(request: Request, key: FromPath[str]) -> Response:
        form = await request.form()
        text = str(form.get("definition", ""))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return await detail_page(
                request,
                key,
                422,
                [f"Not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"],
                text,
            )
        try:
            await save_draft(key, data)
        except SurveyAdminError as exc:
            return await detail_page(request, key, 422, exc.problems, text)
        await after_change(request, "survey.draft_saved", key)
        return await detail_page(request, key, 200, [], None)

    @post("/{key:str}/publish")
    async def publish(request: Request, key: FromPath[str]) -> Response:
        try:
            await publish_draft(key)
        except SurveyAdminError as exc:
            return await detail_page(request, key, 422, exc.problems)
        await after_change(request, "survey.published", key)
        return Redirect(f"/admin/surveys/{key}", status_code=303)

    @post("/{key:str}/retire")
    async def retire(request: Request, key: FromPath[str]) -> Response:
        form = await request.form()
        retired = form.get("retired") == "true"
        await set_retired(key, retired)
        await after_change(request, "survey.retired" if retired else "survey.reactivated", key)
        return Redirect(f"/admin/surveys/{key}", status_code=303)

    @post("/{key:str}/assignments")
    async def assign(request: Request, key: FromPath[str]) -> Response:
        form = await request.form()
        location = str(form.get("location_id", ""))
        try:
            await add_assignment(
                key,
                str(form.get("visit_type", "")) or None,
                int(location) if location.isdigit() else None,
            )
        except SurveyAdminError as exc:
            return await detail_page(request, key, 422, exc.problems)
        await after_change(request, "survey.assigned", key)
        return Redirect(f"/admin/surveys/{key}#assignments", status_code=303)

    @post("/{key:str}/assignments/{assignment_id:int}/delete")
    async def unassign(
        request: Request, key: FromPath[str], assignment_id: FromPath[int]
    ) -> Response:
        await remove_assignment(key, assignment_id)
        await after_change(request, "survey.unassigned", key)
        return Redirect(f"/admin/surveys/{key}#assignments", status_code=303)

    @post("/{key:str}/kiosk/{location_id:int}")
    async def kiosk(request: Request, key: FromPath[str], location_id: FromPath[int]) -> Response:
        form = await request.form()
        offered = form.get("offered") == "true"
        try:
            await set_kiosk(key, location_id, offered)
        except SurveyAdminError as exc:
            return await detail_page(request, key, 422, exc.problems)
        await after_change(request, "survey.kiosk_on" if offered else "survey.kiosk_off", key)
        return Redirect(f"/admin/surveys/{key}#kiosk", status_code=303)

    @get("/{key:str}/qr/{slug:str}")
    async def qr(key: FromPath[str], slug: FromPath[str]) -> Response:
        return Response(
            kiosk_qr_svg(f"{base_url}/k/{slug}"),
            media_type="image/svg+xml",
            headers={"Content-Disposition": f'inline; filename="survey-{slug}.svg"'},
        )

    @get("/{key:str}/preview")
    async def preview(
        key: FromPath[str],
        version: FromQuery[int | None] = None,
        lang: FromQuery[str | None] = None,
    ) -> Response:
        detail = await survey_detail(key)
        chosen = next((v for v in detail.versions if version in (None, v.number)), None)
        if chosen is None:
            return Redirect(f"/admin/surveys/{key}", status_code=303)
        language = pick_language(lang)
        return Template(
            template_name="surveys/survey.html",
            context={
                "t": TEXTS[language],
                "lang": language,
                "other_lang": "es" if language == "en" else "en",
                "definition": chosen.definition,
                "location_name": "Preview",
                "action": "#",
                "self_path": f"/admin/surveys/{key}/preview",
                "answers": {},
                "errors": {},
                "numeric": NUMERIC_TYPES,
                "preview": True,
            },
        )

    @get("/{key:str}/export.json")
    async def download_json(key: FromPath[str], version: FromQuery[int | None] = None) -> Response:
        data = await export_json(key, version)
        return _download(
            json.dumps(data, indent=2, ensure_ascii=False), f"{key}.json", "application/json"
        )

    @get("/{key:str}/questionnaire.fhir.json")
    async def download_fhir(key: FromPath[str], version: FromQuery[int | None] = None) -> Response:
        data = await export_fhir(key, base_url, version)
        return _download(
            json.dumps(data, indent=2, ensure_ascii=False),
            f"{key}-questionnaire.json",
            "application/fhir+json",
        )

    @get("/{key:str}/responses.csv")
    async def download_responses_csv(request: Request, key: FromPath[str]) -> Response:
        await after_change(request, "survey.responses_exported", key)
        return _download(await responses_csv(key, keyring), f"{key}-responses.csv", "text/csv")

    @get("/{key:str}/responses.fhir.json")
    async def download_responses_fhir(request: Request, key: FromPath[str]) -> Response:
        await after_change(request, "survey.responses_exported", key)
        data = await responses_fhir(key, base_url, keyring)
        return _download(
            json.dumps(data, ensure_ascii=False), f"{key}-responses.json", "application/fhir+json"
        )

    return Router(
        path="/admin/surveys",
        guards=list(guards),
        include_in_schema=False,
        route_handlers=[
            index,
            new_survey,
            upload,
            detail,
            new_draft,
            save,
            publish,
            retire,
            assign,
            kiosk,
            qr,
            unassign,
            preview,
            download_json,
            download_fhir,
            download_responses_csv,
            download_responses_fhir,
        ],
    )
