"""Routing rules as data: ordered, first match wins, with a default (DESIGN.md §5).

A comment is routed once per "subject": each negative theme it raises, plus the comment as a
whole when it is urgent or negative without a negative theme. So "great doctor, but a surprise
bill and nowhere to park" opens tickets for billing and for facilities, each with the rule
that sent it and a reason a person can read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PRIORITIES = ("urgent", "high", "normal", "low")
# (acknowledge within, resolve within)
SLA_BY_PRIORITY: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    "urgent": (dt.timedelta(hours=1), dt.timedelta(hours=8)),
    "high": (dt.timedelta(hours=4), dt.timedelta(days=3)),
    "normal": (dt.timedelta(days=1), dt.timedelta(days=7)),
    "low": (dt.timedelta(days=2), dt.timedelta(days=14)),
}
SOURCES = ("survey", "review", "api", "staff")
SENTIMENTS = ("positive", "negative", "neutral", "mixed")
CONDITION_KEYS = {
    "themes",
    "theme_sentiment",
    "sentiments",
    "urgent",
    "sources",
    "location_ids",
    "department_ids",
    "score_at_most",
    "score_at_least",
    "keywords",
}
ACTION_KEYS = {"department", "also_visit_department", "owner_id", "priority", "tags"}


class RuleError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Routable:
    """What routing knows of a piece of feedback."""

    text: str
    sentiment: str
    themes: tuple[tuple[str, str], ...]  # (theme, sentiment)
    urgent: bool
    source: str
    location_id: int | None
    department_id: int | None  # the visit's department, when known
    score: int | None = None  # on a 0-10 scale (NPS, ratings); stars are scaled to it


@dataclass(frozen=True)
class Rule:
    id: int
    position: int
    name: str
    conditions: Mapping[str, Any]
    # "department": an id, or "visit" for the visit's department
    action: Mapping[str, Any]
    is_default: bool = False


@dataclass(frozen=True)
class RoutingDecision:
    department_id: int
    priority: str
    rule_name: str
    reason: str
    theme: str | None
    owner_id: int | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


def parse_rule(
    rule_id: int,
    position: int,
    name: str,
    conditions: Any,
    action: Any,
    *,
    is_default: bool = False,
) -> Rule:
    problems: list[str] = []
    if not name.strip():
        problems.append("name: give the rule a name")
    if not isinstance(conditions, dict):
        problems.append("conditions must be an object")
        conditions = {}
    if not isinstance(action, dict):
        problems.append("action must be an object")
        action = {}
    unknown = set(conditions) - CONDITION_KEYS
    if unknown:
        problems.append(f"unknown condition(s): {', '.join(sorted(unknown))}")
    unknown = set(action) - ACTION_KEYS
    if unknown:
        problems.append(f"unknown action(s): {', '.join(sorted(unknown))}")
    department = action.get("department")
    if department != "visit" and not isinstance(department, int):
        problems.append('action department must be a department id or "visit"')
    if action.get("priority", "normal") not in PRIORITIES:
        problems.append(f"priority must be one of {', '.join(PRIORITIES)}")
    if any(s not in SENTIMENTS for s in conditions.get("sentiments", [])):
        problems.append(f"sentiments must be among {', '.join(SENTIMENTS)}")
    if conditions.get("theme_sentiment") not in (None, *SENTIMENTS):
        problems.append(f"theme_sentiment must be one of {', '.join(SENTIMENTS)}")
    if any(s not in SOURCES for s in conditions.get("sources", [])):
        problems.append(f"sources must be among {', '.join(SOURCES)}")
    for bound in ("score_at_most", "score_at_least"):
        value = conditions.get(bound)
        if value is not None and (not isinstance(value, int) or not 0 <= value <= 10):
            problems.append(f"{bound} must be a whole number from 0 to 10")
    if problems:
        raise RuleError(problems)
    return Rule(rule_id, position, name.strip(), conditions, action, is_default)


def _matches(rule: Rule, item: Routable, theme: tuple[str, str] | None) -> list[str] | None:
    """The reasons the rule matches this subject, or None."""
    c = rule.conditions
    reasons: list[str] = []
    if "themes" in c:
        if theme is None or theme[0] not in c["themes"]:
            return None
        wanted = c.get("theme_sentiment")
        if wanted and theme[1] != wanted:
            return None
        reasons.append(f"theme={theme[0]}" + (f" {theme[1]}" if wanted else ""))
    if "urgent" in c:
        if item.urgent != bool(c["urgent"]):
            return None
        reasons.append("urgent" if item.urgent else "not urgent")
    if "sentiments" in c:
        if item.sentiment not in c["sentiments"]:
            return None
        reasons.append(f"sentiment={item.sentiment}")
    if "sources" in c:
        if item.source not in c["sources"]:
            return None
        reasons.append(f"source={item.source}")
    if "location_ids" in c:
        if item.location_id not in c["location_ids"]:
            return None
        reasons.append("location matches")
    if "department_ids" in c:
        if item.department_id not in c["department_ids"]:
            return None
        reasons.append("visit's department matches")
    if "score_at_most" in c:
        if item.score is None or item.score > c["score_at_most"]:
            return None
        reasons.append(f"score {item.score} ≤ {c['score_at_most']}")
    if "score_at_least" in c:
        if item.score is None or item.score < c["score_at_least"]:
            return None
        reasons.append(f"score {item.score} ≥ {c['score_at_least']}")
    if "keywords" in c:
        lowered = item.text.lower()
        found = [word for word in c["keywords"] if word.lower() in lowered]
        if not found:
            return None
        reasons.append(f'mentions "{found[0]}"')
    return reasons


def _subjects(item: Routable) -> list[tuple[str, str] | None]:
    negative_themes = [theme for theme in item.themes if theme[1] in ("negative", "mixed")]
    subjects: list[tuple[str, str] | None] = list(negative_themes)
    if item.urgent or (not negative_themes and item.sentiment in ("negative", "mixed")):
        subjects.insert(0, None)
    return subjects


def route(
    item: Routable, rules: Sequence[Rule], fallback_department_id: int
) -> list[RoutingDecision]:
    """Tickets this item should open: one per department, first matching rule per subject."""
    ordered = sorted(rules, key=lambda rule: (rule.is_default, rule.position))
    decisions: dict[int, RoutingDecision] = {}
    for subject in _subjects(item):
        for rule in ordered:
            reasons = _matches(rule, item, subject) if not rule.is_default else []
            if reasons is None:
                continue
            targets = [rule.action["department"]]
            if rule.action.get("also_visit_department"):
                targets.append("visit")
            for target in targets:
                department = (
                    (item.department_id or fallback_department_id) if target == "visit" else target
                )
                if department in decisions:
                    continue
                why = (
                    ", ".join(reasons)
                    if reasons
                    else (
                        "no earlier rule matched"
                        + (f" (theme={subject[0]} {subject[1]})" if subject else "")
                    )
                )
                if target == "visit" and rule.action["department"] != "visit":
                    why += "; also the visit's department"
                decisions[department] = RoutingDecision(
                    department_id=department,
                    priority=rule.action.get("priority", "normal"),
                    rule_name=f"rule {rule.position}: {rule.name}"
                    if not rule.is_default
                    else f"default: {rule.name}",
                    reason=why,
                    theme=subject[0] if subject else None,
                    owner_id=rule.action.get("owner_id"),
                    tags=tuple(rule.action.get("tags", ())),
                )
            break
    return list(decisions.values())
