"""Routing: which department's queue a piece of feedback lands in, and why. Pure."""

from feedback.routing.rules import (
    PRIORITIES,
    SLA_BY_PRIORITY,
    Routable,
    RoutingDecision,
    Rule,
    RuleError,
    parse_rule,
    route,
)

__all__ = [
    "PRIORITIES",
    "SLA_BY_PRIORITY",
    "Routable",
    "RoutingDecision",
    "Rule",
    "RuleError",
    "parse_rule",
    "route",
]
