"""Admins edit, reorder and test routing rules."""

from __future__ import annotations

from feedback.services.routing import list_rules, seed_default_rules
from surveys.tables import Department
from tests import factories
from tests.conftest import csrf_token, sign_in


async def _admin_with_defaults(client) -> tuple[str, dict[str, int]]:
    ids = {}
    for name, slug in (
        ("Patient Financial Services", "billing"),
        ("Facilities", "facilities"),
        ("Quality & Patient Safety", "quality"),
        ("Cardiology", "cardiology"),
        ("Patient Experience Office", "patient-experience"),
    ):
        rows = await Department.insert(Department(name=name, slug=slug)).returning(Department.id)
        ids[slug] = rows[0]["id"]
    await seed_default_rules()
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    return await csrf_token(client, "/admin/routing"), ids


async def test_try_a_sample_comment_and_see_where_it_goes_and_why(client):
    token, ids = await _admin_with_defaults(client)
    response = await client.post(
        "/admin/routing/try",
        headers={"HX-Request": "true", "x-csrftoken": token},
        data={
            "text": "I was charged twice for the same visit and nobody fixes it.",
            "question": "What could we improve?",
            "source": "survey",
            "visit_department": str(ids["cardiology"]),
        },
    )
    assert response.status_code == 200
    assert "This would go to <strong>Patient Financial Services</strong>" in response.text
    assert "Billing, because theme=billing negative" in response.text
    praise = await client.post(
        "/admin/routing/try", data={"_csrf_token": token, "text": "Wonderful nurses."}
    )
    assert "No ticket" in praise.text


async def test_rules_are_added_before_the_default_reordered_and_switched(client):
    token, ids = await _admin_with_defaults(client)
    response = await client.post(
        "/admin/routing/",
        data={
            "_csrf_token": token,
            "name": "Detractors mentioning parking",
            "score_at_most": "6",
            "keywords": "parking, car park",
            "department": str(ids["facilities"]),
            "priority": "high",
        },
    )
    assert response.status_code == 303
    rules = await list_rules()
    assert rules[-1]["is_default"] and rules[-2]["name"] == "Detractors mentioning parking"
    assert rules[-2]["conditions"] == {"score_at_most": 6, "keywords": ["parking", "car park"]}
    new_id = rules[-2]["id"]
    await client.post(
        f"/admin/routing/{new_id}/move", data={"_csrf_token": token, "direction": "up"}
    )
    rules = await list_rules()
    assert rules[-3]["id"] == new_id
    default_id = rules[-1]["id"]
    refused = await client.post(
        f"/admin/routing/{default_id}/enabled", data={"_csrf_token": token, "enabled": "false"}
    )
    assert refused.status_code == 422 and "cannot be switched off" in refused.text
    bad = await client.post(
        "/admin/routing/",
        data={
            "_csrf_token": token,
            "name": "",
            "score_at_most": "eleven",
            "department": "999",
            "priority": "asap",
        },
    )
    assert bad.status_code == 422 and "choose an existing department" in bad.text


async def test_only_admins_edit_routing(client):
    await sign_in(
        client, await factories.staff("lead", await factories.department()), factories.PASSWORD
    )
    assert (await client.get("/admin/routing")).status_code == 403
