"""Staff read feedback and its analysis; each sees only what their role allows."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from feedback.auth.roles import Role
from feedback.services.feedback_list import (
    SENTIMENTS,
    FeedbackFilters,
    NotVisible,
    get_feedback,
    list_feedback,
)
from feedback.web.guards import roles
from feedback.web.rendering import render

READERS = roles(Role.ADMIN, Role.EXECUTIVE, Role.LEAD, Role.STAFF)


@get("/feedback", guards=[READERS], include_in_schema=False, name="feedback_list")
async def feedback_list(
    request: Request,
    sentiment: FromQuery[str | None] = None,
    source: FromQuery[str | None] = None,
    urgent: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
) -> Response:
    filters = FeedbackFilters.parse(sentiment, source, urgent, page)
    result = await list_feedback(request.scope["user"], filters)
    return await render(
        request,
        "feedback/list.html",
        {"result": result, "filters": filters, "sentiments": SENTIMENTS},
        partial="feedback/_rows.html",
    )


@get("/feedback/{item_id:int}", guards=[READERS], include_in_schema=False, name="feedback_detail")
async def feedback_detail(request: Request, item_id: FromPath[int]) -> Response:
    try:
        item = await get_feedback(request.scope["user"], item_id)
    except NotVisible:
        raise NotFoundException("No feedback with this number is visible to you.") from None
    return await render(request, "feedback/detail.html", {"item": item})
