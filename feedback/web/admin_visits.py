"""Administrators bring visits in (CSV or FHIR Bundle); eligible visits are invited."""

from __future__ import annotations

import json

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile

from feedback.auth.roles import Role
from feedback.services import audit
from feedback.settings import Settings
from feedback.web.guards import roles
from feedback.web.rendering import client_address, render
from integrations.fhir import visits_from_bundle
from surveys.visit_import import COLUMNS, VisitRow, read_visit_csv
from surveys.visit_import import RowProblem as CsvProblem
from surveys.visits import check_codes, import_visits, invite_eligible, known_codes

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class VisitImportController(Controller):
    path = "/admin/visits"
    guards = [roles(Role.ADMIN)]
    include_in_schema = False

    @get("/import", name="visit_import")
    async def form(self, request: Request) -> Response:
        return await render(request, "admin/visits_import.html", {"columns": COLUMNS})

    @post("/import", request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024)
    async def upload(self, request: Request) -> Response:
        settings: Settings = request.app.state.settings
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self._problems(request, ["Choose a CSV file or a FHIR Bundle (.json)."])
        content = await upload.read()
        locations, departments = await known_codes()
        if upload.filename.lower().endswith(".json"):
            rows, problems = _from_bundle(content, locations, departments)
        else:
            rows, problem_rows = read_visit_csv(content, locations, departments)
            problems = [str(problem) for problem in problem_rows]
        if problems:
            return await self._problems(request, problems)
        summary = await import_visits(rows, settings.keyring)
        invitations = await invite_eligible(
            summary.visit_ids,
            base_url=settings.base_url,
            suppression_key=settings.blind_index_key,
            keyring=settings.keyring,
        )
        await audit.record(
            "visits.imported",
            actor=request.scope["user"],
            object_type="visit_import",
            client_address=client_address(request),
            detail={"visits": summary.visits_created, "invited": invitations.invited},
        )
        return await render(
            request,
            "admin/visits_import.html",
            {"columns": COLUMNS, "summary": summary, "invitations": invitations},
        )

    async def _problems(self, request: Request, problems: list[str]) -> Response:
        return await render(
            request,
            "admin/visits_import.html",
            {"columns": COLUMNS, "problems": problems},
            status_code=422,
        )


def _from_bundle(
    content: bytes, locations: set[str], departments: set[str]
) -> tuple[list[VisitRow], list[str]]:
    try:
        bundle = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return [], ["The file is not valid JSON; a FHIR R4 Bundle is expected."]
    records, fhir_problems = visits_from_bundle(bundle)
    if fhir_problems:
        return [], [f"entry {problem.entry}: {problem.message}" for problem in fhir_problems]
    rows = [
        VisitRow(
            external_id=record.external_id,
            mrn=record.mrn,
            given_name=record.given_name or "",
            family_name=record.family_name or "",
            email=(record.email or "").lower(),
            phone=record.phone or "",
            preferred_language=record.preferred_language,
            visit_date=record.visit_date,
            visit_type=record.visit_type,
            location=record.location_code or "",
            department=record.department_code or "",
            provider_name=record.provider_name or "",
        )
        for record in records
    ]
    problems = check_codes(rows, locations, departments, range(1, len(rows) + 1))
    return rows, [_entry(problem) for problem in problems]


def _entry(problem: CsvProblem) -> str:
    return f"visit {problem.row}: {problem.column} {problem.message}"
