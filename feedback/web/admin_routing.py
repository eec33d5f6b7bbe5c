"""Administrators edit routing rules, reorder them, and test them on a sample comment."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from feedback.analysis import THEMES
from feedback.auth.roles import Role
from feedback.routing import PRIORITIES, RuleError
from feedback.routing.rules import SENTIMENTS, SOURCES
from feedback.services import audit
from feedback.services.routing import (
    add_rule,
    list_rules,
    move_rule,
    set_rule_enabled,
    try_routing,
)
from feedback.web.guards import roles
from feedback.web.rendering import render
from surveys.tables import Department

QUESTIONS = {
    "": "No question",
    "What could we improve?": "What could we improve?",
    "What went well?": "What went well?",
}


def rule_from_form(form: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The rule a person described in the form, as conditions and action data."""
    conditions: dict[str, Any] = {}
    themes = [theme for theme in form.getall("themes", []) if theme in THEMES]
    if themes:
        conditions["themes"] = themes
        if form.get("theme_sentiment") in SENTIMENTS:
            conditions["theme_sentiment"] = form.get("theme_sentiment")
    sentiments = [s for s in form.getall("sentiments", []) if s in SENTIMENTS]
    if sentiments:
        conditions["sentiments"] = sentiments
    if form.get("urgent") in ("yes", "no"):
        conditions["urgent"] = form.get("urgent") == "yes"
    sources = [s for s in form.getall("sources", []) if s in SOURCES]
    if sources:
        conditions["sources"] = sources
    score = str(form.get("score_at_most", "")).strip()
    if score:
        conditions["score_at_most"] = int(score) if score.isdigit() else score
    keywords = [k.strip() for k in str(form.get("keywords", "")).split(",") if k.strip()]
    if keywords:
        conditions["keywords"] = keywords
    department = str(form.get("department", ""))
    action: dict[str, Any] = {
        "department": "visit"
        if department == "visit"
        else (int(department) if department.isdigit() else None),
        "priority": str(form.get("priority", "normal")),
    }
    if form.get("also_visit_department") == "yes":
        action["also_visit_department"] = True
    tags = [t.strip() for t in str(form.get("tags", "")).split(",") if t.strip()]
    if tags:
        action["tags"] = tags
    return str(form.get("name", "")), conditions, action


class RoutingAdminController(Controller):
    path = "/admin/routing"
    guards = [roles(Role.ADMIN)]
    include_in_schema = False

    async def _page(self, request: Request, status_code: int = 200, **extra: Any) -> Response:
        context = {
            "rules": await list_rules(),
            "departments": await Department.select(Department.id, Department.name).order_by(
                Department.name
            ),
            "themes": THEMES,
            "sentiments": SENTIMENTS,
            "sources": SOURCES,
            "priorities": PRIORITIES,
            "questions": QUESTIONS,
            "problems": [],
            "trial": None,
            "sample": {},
            **extra,
        }
        return await render(
            request,
            "admin/routing.html",
            context,
            partial="admin/_routing_trial.html" if "trial" in extra else None,
            status_code=status_code,
        )

    @get("/", name="routing_admin")
    async def index(self, request: Request) -> Response:
        return await self._page(request)

    @post("/")
    async def create(self, request: Request) -> Response:
        name, conditions, action = rule_from_form(await request.form())
        try:
            rule_id = await add_rule(name, conditions, action)
        except RuleError as exc:
            return await self._page(request, 422, problems=exc.problems)
        await audit.record(
            "routing.rule_added",
            actor=request.scope["user"],
            object_type="routing_rule",
            object_id=rule_id,
        )
        return Redirect("/admin/routing", status_code=303)

    @post("/{rule_id:int}/move")
    async def move(self, request: Request, rule_id: FromPath[int]) -> Response:
        form = await request.form()
        try:
            await move_rule(rule_id, -1 if form.get("direction") == "up" else 1)
        except RuleError as exc:
            return await self._page(request, 422, problems=exc.problems)
        await audit.record(
            "routing.rule_moved",
            actor=request.scope["user"],
            object_type="routing_rule",
            object_id=rule_id,
        )
        return Redirect("/admin/routing", status_code=303)

    @post("/{rule_id:int}/enabled")
    async def enabled(self, request: Request, rule_id: FromPath[int]) -> Response:
        form = await request.form()
        try:
            await set_rule_enabled(rule_id, form.get("enabled") == "true")
        except RuleError as exc:
            return await self._page(request, 422, problems=exc.problems)
        await audit.record(
            "routing.rule_toggled",
            actor=request.scope["user"],
            object_type="routing_rule",
            object_id=rule_id,
        )
        return Redirect("/admin/routing", status_code=303)

    @post("/try")
    async def trial(self, request: Request) -> Response:
        form = await request.form()
        sample = {key: str(value) for key, value in form.items()}
        text = sample.get("text", "").strip()
        if not text:
            return await self._page(
                request, 422, trial={"error": "Write a sample comment."}, sample=sample
            )
        department = sample.get("visit_department", "")
        result = await try_routing(
            text,
            sample.get("question") or None,
            sample.get("source") if sample.get("source") in SOURCES else "survey",
            int(department) if department.isdigit() else None,
        )
        return await self._page(request, trial=result, sample=sample)
