"""The overview every signed-in role lands on."""

from __future__ import annotations

import datetime as dt

from litestar import Request, get
from litestar.response import Template

from feedback.services.loop_metrics import loop_figures
from feedback.services.overview import overview_for
from feedback.web.guards import signed_in
from feedback.web.rendering import render

LOOP_DAYS = 90


@get("/", guards=[signed_in], include_in_schema=False, name="home")
async def home(request: Request) -> Template:
    staff = request.scope["user"]
    overview = await overview_for(staff)  # type: ignore[arg-type]
    now = dt.datetime.now(dt.UTC)
    loop = None
    if staff.role.value != "staff":
        loop = await loop_figures(staff, now - dt.timedelta(days=LOOP_DAYS), now)
    return await render(
        request, "home.html", {"overview": overview, "loop": loop, "loop_days": LOOP_DAYS}
    )
