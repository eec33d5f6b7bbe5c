"""Administrators see emails that could not be delivered and send them again."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from feedback.auth.roles import Role
from feedback.auth.sessions import add_flash
from feedback.services import audit
from feedback.web.guards import roles
from feedback.web.rendering import render
from integrations.email import dead_letters, retry_dead


class OutboxAdminController(Controller):
    path = "/admin/outbox"
    guards = [roles(Role.ADMIN)]
    include_in_schema = False

    @get("/", name="outbox_admin")
    async def index(self, request: Request) -> Response:
        return await render(request, "admin/outbox.html", {"dead": await dead_letters()})

    @post("/{message_id:int}/retry")
    async def retry(self, request: Request, message_id: FromPath[int]) -> Response:
        retried = await retry_dead(message_id)
        if retried:
            await audit.record(
                "outbox.retried",
                actor=request.scope["user"],
                object_type="outbox_message",
                object_id=message_id,
            )
        await add_flash(
            request.scope["auth"].id,
            "success" if retried else "error",
            "The email will be tried again."
            if retried
            else "That email is not waiting as undeliverable.",
        )
        return Redirect("/admin/outbox", status_code=303)
