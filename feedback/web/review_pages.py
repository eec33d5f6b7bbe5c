"""Administrators configure review sources per location, run them, upload CSV exports and
read each run's record (fetched, added, updated, failed, and why)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.services import audit
from feedback.services.reviews import (
    KIND_FIELDS,
    KINDS,
    ReviewConfig,
    ReviewSourceError,
    add_source,
    get_source,
    import_csv,
    list_sources,
    run_source,
    set_source_enabled,
    source_runs,
)
from feedback.web.guards import roles
from feedback.web.rendering import client_address, is_htmx, render
from integrations.reviews import ReviewCsvError
from surveys.tables import Location

MAX_CSV_BYTES = 10 * 1024 * 1024


class ReviewAdminController(Controller):
    path = "/admin/reviews"
    guards = [roles(Role.ADMIN)]
    include_in_schema = False

    async def _index(self, request: Request, status_code: int = 200, **extra: Any) -> Response:
        context = {
            "sources": await list_sources(),
            "locations": await Location.select(Location.id, Location.name).order_by(Location.name),
            "kinds": KINDS,
            "kind_fields": KIND_FIELDS,
            "errors": {},
            "values": {},
            **extra,
        }
        return await render(request, "admin/reviews.html", context, status_code=status_code)

    @get("/", name="review_sources")
    async def index(self, request: Request) -> Response:
        return await self._index(request)

    @post("/")
    async def create(self, request: Request) -> Response:
        form = await request.form()
        values = {key: str(form.get(key, "")) for key in form}
        location = values.get("location", "")
        interval = values.get("interval_hours", "")
        kind = values.get("kind", "")
        params = {field: values.get(field, "") for field in KIND_FIELDS.get(kind, {})}
        try:
            source_id = await add_source(
                values.get("name", ""),
                kind,
                int(location) if location.isdigit() else None,
                params,
                int(interval) if interval.isdigit() else 0,
            )
        except ReviewSourceError as exc:
            return await self._index(request, 422, errors=exc.errors, values=values)
        await audit.record(
            "reviews.source_added",
            actor=request.scope["user"],
            object_type="review_source",
            object_id=source_id,
            client_address=client_address(request),
        )
        return Redirect(f"/admin/reviews/{source_id}", status_code=303)

    async def _source(
        self, request: Request, source_id: int, status_code: int = 200, **extra: Any
    ) -> Response:
        source = await get_source(source_id)
        if source is None:
            raise NotFoundException()
        context = {
            "source": source,
            "kind_fields": KIND_FIELDS,
            "runs": await source_runs(source_id),
            "problems": [],
            **extra,
        }
        return await render(
            request,
            "admin/review_source.html",
            context,
            partial="admin/_review_runs.html",
            status_code=status_code,
        )

    @get("/{source_id:int}", name="review_source")
    async def source(self, request: Request, source_id: FromPath[int]) -> Response:
        return await self._source(request, source_id)

    @post("/{source_id:int}/run")
    async def run(self, request: Request, source_id: FromPath[int]) -> Response:
        """Collect now, in the request: an admin wants to see the outcome. The scheduler runs
        the same code on the source's interval."""
        config = ReviewConfig.from_settings(request.app.state.settings)
        summary = await run_source(source_id, config, trigger="manual")
        await audit.record(
            "reviews.run",
            actor=request.scope["user"],
            object_type="review_source",
            object_id=source_id,
            client_address=client_address(request),
        )
        message = (
            "Another process is collecting this source right now; its run will appear below."
            if summary is None
            else f"Run finished: {summary.status}, {summary.added} added, "
            f"{summary.updated} updated, {summary.failed} failed."
        )
        return await self._after_change(request, source_id, message)

    @post("/{source_id:int}/enabled")
    async def enabled(self, request: Request, source_id: FromPath[int]) -> Response:
        form = await request.form()
        on = form.get("enabled") == "true"
        await set_source_enabled(source_id, on)
        await audit.record(
            "reviews.source_enabled" if on else "reviews.source_disabled",
            actor=request.scope["user"],
            object_type="review_source",
            object_id=source_id,
            client_address=client_address(request),
        )
        return Redirect(f"/admin/reviews/{source_id}", status_code=303)

    @post("/{source_id:int}/upload", request_max_body_size=MAX_CSV_BYTES + 64 * 1024)
    async def upload(self, request: Request, source_id: FromPath[int]) -> Response:
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self._source(request, source_id, 422, problems=["Choose a CSV file."])
        config = ReviewConfig.from_settings(request.app.state.settings)
        try:
            summary = await import_csv(source_id, await upload.read(), config)
        except ReviewCsvError as exc:
            problems = [str(problem) for problem in exc.problems] or [str(exc)]
            return await self._source(request, source_id, 422, problems=problems)
        await audit.record(
            "reviews.csv_imported",
            actor=request.scope["user"],
            object_type="review_source",
            object_id=source_id,
            client_address=client_address(request),
            detail={"added": summary.added, "updated": summary.updated},
        )
        message = (
            f"File imported: {summary.added} added, {summary.updated} updated, "
            f"{summary.unchanged} already present."
        )
        return await self._after_change(request, source_id, message)

    async def _after_change(self, request: Request, source_id: int, message: str) -> Response:
        if is_htmx(request):
            return await self._source(request, source_id, notice=message)
        session = request.scope.get("auth")
        if session is not None:
            await add_flash(session.id, "success", message)
        return Redirect(f"/admin/reviews/{source_id}", status_code=303)
