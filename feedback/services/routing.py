"""Routing rules (stored) and the tickets they open when feedback arrives."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedback.analysis import analyze
from feedback.routing import (
    SLA_BY_PRIORITY,
    Routable,
    RoutingDecision,
    Rule,
    RuleError,
    parse_rule,
    route,
)
from feedback.services.staff import department_leads
from feedback.tables import RoutingRule, Ticket, TicketEvent, TicketFeedback
from integrations.db_values import loaded
from integrations.email import OutgoingEmail, enqueue
from integrations.sql import InsertPlan, NewId, point_read
from surveys.tables import Department

# DESIGN.md §5, by department code: (name, conditions, action) in order; the last is the
# default. Departments that do not exist are skipped.
DEFAULT_RULES: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    (
        "Urgent: patient safety",
        {"urgent": True},
        {"department": "quality", "also_visit_department": True, "priority": "urgent"},
    ),
    (
        "Privacy",
        {"themes": ["privacy"], "theme_sentiment": "negative"},
        {"department": "privacy", "priority": "high"},
    ),
    ("Billing", {"themes": ["billing"], "theme_sentiment": "negative"}, {"department": "billing"}),
    (
        "Access and scheduling",
        {"themes": ["access"], "theme_sentiment": "negative"},
        {"department": "patient-access"},
    ),
    (
        "Facilities",
        {"themes": ["facilities"], "theme_sentiment": "negative"},
        {"department": "facilities"},
    ),
    ("Digital", {"themes": ["digital"], "theme_sentiment": "negative"}, {"department": "digital"}),
)
DEFAULT_RULE_NAME = "the visit's department, else the Patient Experience Office"
FALLBACK_DEPARTMENT = "patient-experience"


async def seed_default_rules() -> int:
    """Install the default rules once (when no rule exists yet)."""
    if await RoutingRule.count() > 0:
        return 0
    ids = {
        row["slug"]: row["id"] for row in await Department.select(Department.id, Department.slug)
    }
    available = [rule for rule in DEFAULT_RULES if rule[2]["department"] in ids]
    rows = []
    for position, (name, conditions, action) in enumerate(available, start=1):
        rows.append(
            RoutingRule(
                position=position,
                name=name,
                conditions=conditions,
                action={**action, "department": ids[action["department"]]},
            )
        )
    rows.append(
        RoutingRule(
            position=len(DEFAULT_RULES) + 1,
            name=DEFAULT_RULE_NAME,
            conditions={},
            action={"department": "visit"},
            is_default=True,
        )
    )
    await RoutingRule.insert(*rows)
    return len(rows)


@dataclass(frozen=True)
class RoutingSetup:
    """The enabled rules, in order, and the department a complaint goes to when no rule and no
    visit department says where."""

    rules: tuple[Rule, ...]
    fallback: int | None


# The enabled rules and the fallback department in one statement (one round trip per
# submission on PostgreSQL, not two). The one-row left side keeps the fallback when no rule
# is enabled: the rule columns are then NULL.
CURRENT_ROUTING = """
SELECT r.id, r.position, r.name, r.conditions, r.action, r.is_default,
       (SELECT d.id FROM department d ORDER BY (d.slug = {}) DESC, d.id LIMIT 1) AS fallback
FROM (SELECT 1 AS one) AS anchor
LEFT JOIN routing_rule r ON r.enabled
ORDER BY r.position, r.id
"""


async def current_routing() -> RoutingSetup:
    """Read fresh on every call, so an edit, or a rule a script inserts, applies to the very
    next item in every process; parsing is what is cached, by content."""
    rows = await point_read(RoutingRule.raw(CURRENT_ROUTING, FALLBACK_DEPARTMENT))
    return RoutingSetup(
        rules=_parsed_rules(
            tuple(
                (
                    row["id"],
                    row["position"],
                    row["name"],
                    _json_text(row["conditions"]),
                    _json_text(row["action"]),
                    bool(row["is_default"]),
                )
                for row in rows
                if row["id"] is not None
            )
        ),
        fallback=rows[0]["fallback"],
    )


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


@functools.lru_cache(maxsize=64)
def _parsed_rules(rows: tuple[tuple[int, int, str, str, str, bool], ...]) -> tuple[Rule, ...]:
    rules = [
        parse_rule(
            rule_id, position, name, json.loads(conditions), json.loads(action), is_default=default
        )
        for rule_id, position, name, conditions, action, default in rows
    ]
    if not any(rule.is_default for rule in rules):
        # Routing always has a default, stored or not: no complaint is left without a queue.
        rules.append(
            parse_rule(
                0, len(rules) + 1, DEFAULT_RULE_NAME, {}, {"department": "visit"}, is_default=True
            )
        )
    return tuple(rules)


def routable(item: dict[str, Any]) -> Routable:
    themes = tuple((t["theme"], t["sentiment"]) for t in loaded(item["themes"]) or [])
    score = item.get("rating")
    scale = item.get("rating_scale")
    if score is not None and scale and scale != 10:
        score = round(score * 10 / scale)
    return Routable(
        text=item["text"],
        sentiment=item["sentiment"],
        themes=themes,
        urgent=bool(item["urgent"]),
        source=item["source"],
        location_id=item.get("location"),
        department_id=item.get("department"),
        score=score,
    )


def _title(decision: RoutingDecision, item: dict[str, Any]) -> str:
    subject = decision.theme or ("urgent" if item["urgent"] else "feedback")
    return (
        f"{subject.replace('_', ' ').capitalize()}: {item['sentiment']} {item['source']} feedback"
    )


URGENT_ALERT = (
    "An urgent ticket (#{ticket}) was opened for your department a moment ago. It concerns "
    "patient safety or a serious complaint and must be acknowledged within {hours} hour(s).\n\n"
    "Open it: {link}\n\n"
    "The patient's words are on the ticket page only; they are never sent by email.\n"
)


async def alert_urgent(ticket_id: int, department_id: int, base_url: str) -> int:
    """Email every active lead of the department at once (through the outbox)."""
    leads = await department_leads(department_id)
    hours = int(SLA_BY_PRIORITY["urgent"][0].total_seconds() // 3600)
    for lead in leads:
        await enqueue(
            OutgoingEmail(
                kind="urgent_alert",
                business_key=f"urgent_alert:{ticket_id}:{lead['id']}",
                recipient=lead["email"],
                subject=f"Urgent patient feedback: ticket #{ticket_id} needs attention today",
                text=URGENT_ALERT.format(
                    ticket=ticket_id, hours=hours, link=f"{base_url}/tickets/{ticket_id}"
                ),
            )
        )
    return len(leads)


async def open_tickets(
    items: Sequence[dict[str, Any]],
    now: dt.datetime | None = None,
    *,
    base_url: str | None = None,
    routing: RoutingSetup | None = None,
) -> list[int]:
    """Route each item and open its tickets, in the caller's transaction if there is one;
    the new tickets' ids. See `plan_tickets`."""
    routing = routing or await current_routing()
    plan = InsertPlan()
    refs = plan_tickets(plan, items, now, base_url=base_url, routing=routing)
    if not refs:
        return []
    async with Ticket._meta.db.transaction():
        await plan.run()
    return [plan.id_of(ref) for ref in refs]


def plan_tickets(
    plan: InsertPlan,
    items: Sequence[dict[str, Any]],
    now: dt.datetime | None = None,
    *,
    base_url: str | None,
    routing: RoutingSetup,
) -> list[NewId]:
    """Add to `plan` the tickets routing opens for `items` (stored rows, or planned ones whose
    "id" stands for the id they will get), with their links and their "created" events: one
    step per table, not three statements per ticket, since this runs on every survey
    submission and every imported batch. With a base_url, urgent tickets alert their
    department's leads by email once they exist (imports of history leave it out: one alert
    per old comment would bury the real ones)."""
    now = now or dt.datetime.now(dt.UTC)
    if routing.fallback is None:
        return []
    planned: list[tuple[dict[str, Any], RoutingDecision]] = []
    tickets: list[dict[str, Any]] = []
    for item in items:
        for decision in route(routable(item), routing.rules, routing.fallback):
            acknowledge, resolve = SLA_BY_PRIORITY[decision.priority]
            planned.append((item, decision))
            tickets.append(
                {
                    "title": _title(decision, item)[:200],
                    "department": decision.department_id,
                    "owner": decision.owner_id,
                    "priority": decision.priority,
                    "status": "new",
                    "acknowledge_due_at": now + acknowledge,
                    "resolve_due_at": now + resolve,
                    "routing_rule": decision.rule_name[:200],
                    "routing_reason": decision.reason,
                    "theme": decision.theme or ("urgent" if item["urgent"] else ""),
                    "source": item["source"],
                    "location": item.get("location"),
                    "tags": list(decision.tags),
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if not tickets:
        return []
    refs = plan.insert(Ticket, tickets)
    plan.insert(
        TicketFeedback,
        [
            {"ticket": ref, "feedback_item": item["id"], "linked_at": now}
            for ref, (item, _) in zip(refs, planned, strict=True)
        ],
    )
    plan.insert(
        TicketEvent,
        [
            {
                "ticket": ref,
                "kind": "created",
                "detail": {"rule": decision.rule_name, "reason": decision.reason},
                "created_at": now,
            }
            for ref, (_, decision) in zip(refs, planned, strict=True)
        ],
    )
    if base_url:
        urgent = [
            (ref, decision.department_id)
            for ref, (_, decision) in zip(refs, planned, strict=True)
            if decision.priority == "urgent"
        ]
        if urgent:

            async def alert() -> None:
                for ref, department_id in urgent:
                    await alert_urgent(plan.id_of(ref), department_id, base_url)

            plan.then(alert)
    return refs


async def list_rules() -> list[dict[str, Any]]:
    rows = (
        await RoutingRule.select().order_by(RoutingRule.is_default).order_by(RoutingRule.position)
    )
    names = {
        row["id"]: row["name"] for row in await Department.select(Department.id, Department.name)
    }
    for row in rows:
        row["conditions"] = loaded(row["conditions"])
        row["action"] = loaded(row["action"])
        target = row["action"].get("department")
        row["department_name"] = (
            "the visit's department"
            if target == "visit"
            else names.get(target, "a department that no longer exists")
        )
    return rows


async def add_rule(name: str, conditions: Any, action: Any) -> int:
    """A new rule, placed just before the default rule."""
    department = action.get("department") if isinstance(action, dict) else None
    if department != "visit" and not await Department.exists().where(
        Department.id == (department if isinstance(department, int) else -1)
    ):
        raise RuleError(["action department: choose an existing department"])
    parse_rule(0, 0, name, conditions, action)
    async with RoutingRule._meta.db.transaction():
        last = (
            await RoutingRule.select(RoutingRule.position)
            .where(
                RoutingRule.is_default == False  # noqa: E712
            )
            .order_by(RoutingRule.position, ascending=False)
            .first()
        )
        position = (last["position"] if last else 0) + 1
        await RoutingRule.update({RoutingRule.position: RoutingRule.position + 1}).where(
            RoutingRule.is_default == True  # noqa: E712
        )
        rows = await RoutingRule.insert(
            RoutingRule(
                position=position,
                name=name.strip(),
                conditions=conditions,
                action=action,
            )
        ).returning(RoutingRule.id)
    return rows[0]["id"]


async def move_rule(rule_id: int, direction: int) -> None:
    """Swap a rule with its neighbour (direction -1 up, +1 down); the default stays last."""
    async with RoutingRule._meta.db.transaction():
        rules = (
            await RoutingRule.select(RoutingRule.id, RoutingRule.position)
            .where(
                RoutingRule.is_default == False  # noqa: E712
            )
            .order_by(RoutingRule.position)
        )
        ids = [rule["id"] for rule in rules]
        if rule_id not in ids:
            raise RuleError(["That rule cannot be moved."])
        index = ids.index(rule_id)
        other = index + direction
        if not 0 <= other < len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        for position, identifier in enumerate(ids, start=1):
            await RoutingRule.update({RoutingRule.position: position}).where(
                RoutingRule.id == identifier
            )


async def set_rule_enabled(rule_id: int, enabled: bool) -> None:
    rule = await RoutingRule.select(RoutingRule.is_default).where(RoutingRule.id == rule_id).first()
    if rule is None:
        raise RuleError(["That rule does not exist."])
    if rule["is_default"] and not enabled:
        raise RuleError(["The default rule cannot be switched off: every complaint needs a queue."])
    await RoutingRule.update({RoutingRule.enabled: enabled}).where(RoutingRule.id == rule_id)


async def try_routing(
    text: str, question: str | None, source: str, visit_department_id: int | None
) -> dict[str, Any]:
    """Where a sample comment would go, and why, without storing anything."""
    analysis = analyze(text, question)
    item = Routable(
        text=text,
        sentiment=analysis.sentiment,
        themes=tuple((t.theme, t.sentiment) for t in analysis.themes),
        urgent=analysis.urgent,
        source=source,
        location_id=None,
        department_id=visit_department_id,
    )
    routing = await current_routing()
    decisions = route(item, routing.rules, routing.fallback) if routing.fallback else []
    names = {
        row["id"]: row["name"] for row in await Department.select(Department.id, Department.name)
    }
    return {
        "analysis": analysis,
        "decisions": [
            {**decision.__dict__, "department_name": names.get(decision.department_id)}
            for decision in decisions
        ],
    }
