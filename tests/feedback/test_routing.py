"""Routing rules (pure) and the tickets they open when survey feedback arrives."""

from __future__ import annotations

import pytest

from feedback.routing import Routable, RuleError, parse_rule, route
from feedback.services.routing import DEFAULT_RULE_NAME, current_routing, seed_default_rules
from feedback.services.survey_intake import take_survey_response
from feedback.tables import RoutingRule, Ticket, TicketEvent, TicketFeedback
from surveys.service import (
    create_invitation,
    install_library,
    submit_invitation,
    survey_version_for,
)
from surveys.tables import Department, Visit
from tests import factories

BILLING, FACILITIES, QUALITY, CARDIOLOGY, PX = 10, 11, 12, 13, 14
RULES = [
    parse_rule(
        1,
        1,
        "Urgent",
        {"urgent": True},
        {"department": QUALITY, "also_visit_department": True, "priority": "urgent"},
    ),
    parse_rule(
        2,
        2,
        "Billing",
        {"themes": ["billing"], "theme_sentiment": "negative"},
        {"department": BILLING},
    ),
    parse_rule(
        3,
        3,
        "Facilities",
        {"themes": ["facilities"], "theme_sentiment": "negative"},
        {"department": FACILITIES, "tags": ["estate"]},
    ),
    parse_rule(
        4,
        4,
        "Detractors about parking",
        {"score_at_most": 6, "keywords": ["parking"]},
        {"department": FACILITIES, "priority": "high"},
    ),
    parse_rule(5, 5, "visit department", {}, {"department": "visit"}, is_default=True),
]


def _item(
    text="", sentiment="negative", themes=(), urgent=False, department=CARDIOLOGY, score=None
) -> Routable:
    return Routable(
        text=text,
        sentiment=sentiment,
        themes=tuple(themes),
        urgent=urgent,
        source="survey",
        location_id=1,
        department_id=department,
        score=score,
    )


def test_a_negative_theme_goes_to_its_department_with_the_rule_and_reason():
    [decision] = route(_item(themes=[("billing", "negative")]), RULES, PX)
    assert decision.department_id == BILLING
    assert decision.rule_name == "rule 2: Billing"
    assert decision.reason == "theme=billing negative"


def test_several_negative_themes_open_tickets_in_several_departments():
    decisions = route(
        _item(
            sentiment="mixed",
            themes=[
                ("clinical_care", "positive"),
                ("billing", "negative"),
                ("facilities", "negative"),
            ],
        ),
        RULES,
        PX,
    )
    assert {d.department_id for d in decisions} == {BILLING, FACILITIES}
    assert next(d for d in decisions if d.department_id == FACILITIES).tags == ("estate",)


def test_urgent_feedback_alerts_quality_and_the_visits_department_at_once():
    decisions = route(_item(urgent=True, themes=[("clinical_care", "negative")]), RULES, PX)
    assert [d.department_id for d in decisions] == [QUALITY, CARDIOLOGY]
    assert all(d.priority == "urgent" for d in decisions)
    assert "also the visit's department" in decisions[1].reason


def test_praise_opens_no_ticket_and_unthemed_complaints_use_the_default():
    assert (
        route(_item(sentiment="positive", themes=[("staff_attitude", "positive")]), RULES, PX) == []
    )
    [decision] = route(_item(text="Not good.", department=None), RULES, PX)
    assert decision.department_id == PX and decision.rule_name.startswith("default:")


def test_score_and_keyword_conditions():
    [decision] = route(
        _item(text="Parking was a nightmare", score=4, themes=[("wait_time", "negative")]),
        RULES,
        PX,
    )
    # A rule without a theme condition applies to every subject, themed or not.
    assert decision.department_id == FACILITIES
    calm = route(_item(text="Parking was a nightmare", score=8), RULES, PX)
    assert calm[0].department_id == CARDIOLOGY
    [decision] = route(_item(text="Parking was a nightmare", score=4), RULES, PX)
    assert decision.department_id == FACILITIES and decision.priority == "high"
    assert decision.reason == 'score 4 ≤ 6, mentions "parking"'


def test_bad_rules_are_refused_with_every_reason():
    with pytest.raises(RuleError) as error:
        parse_rule(
            9,
            9,
            "",
            {"colour": "red", "score_at_most": 11},
            {"department": "billing", "priority": "asap"},
        )
    problems = " | ".join(error.value.problems)
    for phrase in (
        "give the rule a name",
        "unknown condition(s): colour",
        "department id or",
        "priority must be one of",
        "score_at_most must be",
    ):
        assert phrase in problems


async def test_current_routing_reads_enabled_rules_and_the_fallback_even_with_none_enabled(db):
    assert (await current_routing()).fallback is None  # no department at all
    ids = {}
    for name, slug in (
        ("Cardiology", "cardiology"),
        ("Patient Financial Services", "billing"),
        ("Patient Experience Office", "patient-experience"),
    ):
        rows = await Department.insert(Department(name=name, slug=slug)).returning(Department.id)
        ids[slug] = rows[0]["id"]
    assert await seed_default_rules() == 2  # billing, default
    routing = await current_routing()
    assert [rule.name for rule in routing.rules] == ["Billing", DEFAULT_RULE_NAME]
    assert routing.fallback == ids["patient-experience"]

    await RoutingRule.update({RoutingRule.enabled: False}).where(RoutingRule.name == "Billing")
    assert [rule.name for rule in (await current_routing()).rules] == [DEFAULT_RULE_NAME]
    await RoutingRule.update({RoutingRule.enabled: False}, force=True)
    routing = await current_routing()
    # Routing keeps a default of its own when the stored one is off, and the fallback stays.
    assert [(rule.id, rule.name) for rule in routing.rules] == [(0, DEFAULT_RULE_NAME)]
    assert routing.fallback == ids["patient-experience"]


async def test_survey_feedback_opens_routed_tickets(db):
    await install_library()
    slugs = {}
    for name, slug in (
        ("Patient Financial Services", "billing"),
        ("Cardiology", "cardiology"),
        ("Quality & Patient Safety", "quality"),
        ("Patient Experience Office", "patient-experience"),
    ):
        rows = await Department.insert(Department(name=name, slug=slug)).returning(Department.id)
        slugs[slug] = rows[0]["id"]
    assert await seed_default_rules() == 3  # urgent, billing, default (others lack departments)
    place = await factories.location()
    visit = await factories.visit(slugs["cardiology"], place)
    await Visit.update({Visit.visit_type: "telehealth"}).where(Visit.id == visit)
    token = await create_invitation(visit, await survey_version_for("telehealth", place))
    await submit_invitation(
        token,
        {
            "recommend": ["2"],
            "improve": [
                "The doctor was great but I got a surprise bill for $400 that nobody explained."
            ],
        },
        "en",
        take_survey_response,
    )
    tickets = await Ticket.select().order_by(Ticket.id)
    departments = {ticket["department"] for ticket in tickets}
    assert slugs["billing"] in departments
    billing = next(t for t in tickets if t["department"] == slugs["billing"])
    assert billing["routing_rule"] == "rule 2: Billing"
    assert billing["routing_reason"] == "theme=billing negative"
    assert billing["status"] == "new" and billing["resolve_due_at"] > billing["created_at"]
    assert await TicketFeedback.count() == len(tickets)
    assert await TicketEvent.count().where(TicketEvent.kind == "created") == len(tickets)


async def test_urgent_feedback_alerts_the_leads_at_once_by_email(db, settings, mail_server):
    import dataclasses

    from feedback.worker import build_dispatcher

    await install_library()
    ids = {}
    for name, slug in (("Quality & Patient Safety", "quality"), ("Maternity", "maternity")):
        rows = await Department.insert(Department(name=name, slug=slug)).returning(Department.id)
        ids[slug] = rows[0]["id"]
    await seed_default_rules()
    quality_lead = await factories.staff("lead", ids["quality"])
    maternity_lead = await factories.staff("lead", ids["maternity"])
    place = await factories.location()
    visit = await factories.visit(ids["maternity"], place)
    await Visit.update({Visit.visit_type: "telehealth"}).where(Visit.id == visit)
    token = await create_invitation(visit, await survey_version_for("telehealth", place))
    await submit_invitation(
        token,
        {
            "recommend": ["0"],
            "improve": ["The nurse gave my newborn the wrong medication dose and nobody noticed."],
        },
        "en",
        lambda response: take_survey_response(response, base_url="https://px.example"),
    )
    urgent = await Ticket.select().where(Ticket.priority == "urgent")
    assert {t["department"] for t in urgent} == {ids["quality"], ids["maternity"]}
    dispatcher = build_dispatcher(dataclasses.replace(settings, smtp_url=mail_server.url))
    assert (await dispatcher.run_once()).sent == 2
    recipients = {str(m["To"]) for m in mail_server.mailbox.messages}
    assert recipients == {quality_lead, maternity_lead}
    for message in mail_server.mailbox.messages:
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "https://px.example/tickets/" in body
        assert "medication" not in body and "newborn" not in body  # no patient words by email
