"""The overview every signed-in role lands on."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from feedback.services.overview import overview_for
from feedback.web.guards import signed_in
from feedback.web.rendering import render


@get("/", guards=[signed_in], include_in_schema=False, name="home")
async def home(request: Request) -> Template:
    overview = await overview_for(request.scope["user"])  # type: ignore[arg-type]
    return await render(request, "home.html", {"overview": overview})
