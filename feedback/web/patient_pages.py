"""Administrators answer a patient's data-rights request: find them by MRN or email, download
everything held about them, or erase them (anonymous figures stay). Every step is audited."""

from __future__ import annotations

import json

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.services import audit
from feedback.services.data_rights import (
    DataRightsError,
    erase_patient,
    export_patient,
    find_patients,
)
from feedback.settings import Settings
from feedback.web.guards import roles
from feedback.web.rendering import client_address, render

CONFIRMATION = "ERASE"


class PatientRightsController(Controller):
    path = "/admin/patients"
    guards = [roles(Role.ADMIN)]
    include_in_schema = False

    @get("/", name="patient_rights")
    async def index(self, request: Request) -> Response:
        return await render(request, "admin/patients.html", {"query": "", "found": None})

    @post("/find")
    async def find(self, request: Request) -> Response:
        """A POST, so an MRN or an email address never sits in a URL or an access log."""
        settings: Settings = request.app.state.settings
        query = str((await request.form()).get("query", ""))
        found = await find_patients(request.scope["user"], settings.keyring, query)
        await audit.record(
            "patient.searched",
            actor=request.scope["user"],
            object_type="patient",
            client_address=client_address(request),
            detail={"matches": len(found)},
        )
        return await render(request, "admin/patients.html", {"query": query, "found": found})

    @get("/{patient_id:int}/export.json")
    async def export(self, request: Request, patient_id: FromPath[int]) -> Response:
        settings: Settings = request.app.state.settings
        try:
            data = await export_patient(request.scope["user"], settings.keyring, patient_id)
        except DataRightsError as exc:
            return Response({"detail": str(exc)}, status_code=404)
        await audit.record(
            "patient.exported",
            actor=request.scope["user"],
            object_type="patient",
            object_id=patient_id,
            client_address=client_address(request),
        )
        return Response(
            json.dumps(data, default=str, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="patient-{patient_id}.json"',
                "Cache-Control": "no-store",
            },
        )

    @post("/{patient_id:int}/erase")
    async def erase(self, request: Request, patient_id: FromPath[int]) -> Response:
        settings: Settings = request.app.state.settings
        form = await request.form()
        if str(form.get("confirm", "")).strip() != CONFIRMATION:
            await add_flash(
                request.scope["auth"].id,
                "error",
                f"Nothing was erased: type {CONFIRMATION} to confirm.",
            )
            return Redirect("/admin/patients/", status_code=303)
        try:
            await erase_patient(
                settings.keyring,
                patient_id,
                suppression_key=settings.blind_index_key,
                actor=request.scope["user"],
                client=client_address(request),
            )
        except DataRightsError as exc:
            await add_flash(request.scope["auth"].id, "error", str(exc))
            return Redirect("/admin/patients/", status_code=303)
        await add_flash(
            request.scope["auth"].id,
            "success",
            f"Patient #{patient_id} was erased: their details and words are gone, the "
            "anonymous figures remain.",
        )
        return Redirect("/admin/patients/", status_code=303)
