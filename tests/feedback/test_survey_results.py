"""Survey results computed from stored answers, scoped, with small samples held back."""

from __future__ import annotations

from feedback.services.survey_intake import take_survey_response
from surveys.service import (
    create_invitation,
    install_library,
    submit_invitation,
    survey_version_for,
)
from surveys.tables import Invitation, Visit
from tests import factories
from tests.conftest import sign_in


async def _answered(department: int, location: int, scores: list[int], kind: str) -> None:
    versions = {kind: await survey_version_for(kind, location) for kind in ("telehealth", "clinic")}
    for score in scores:
        visit = await factories.visit(department, location)
        await Visit.update({Visit.visit_type: kind}).where(Visit.id == visit)
        token = await create_invitation(visit, versions[kind])
        await Invitation.update({Invitation.sent_at: Invitation.created_at}).where(
            Invitation.visit == visit
        )
        form = {"recommend": [str(score)]}
        if kind == "clinic":
            form |= {"provider_rating": ["9"], "provider_listened": ["always"]}
        outcome = await submit_invitation(token, form, "en", take_survey_response)
        assert outcome.response_id, outcome.check.errors


async def test_nps_and_response_rate_for_a_department(client):
    await install_library()
    cardiology = await factories.department("Cardiology")
    oncology = await factories.department("Oncology")
    place = await factories.location()
    await _answered(cardiology, place, [10] * 20 + [8] * 6 + [3] * 6, "telehealth")
    await _answered(oncology, place, [0] * 31, "telehealth")
    # Two more invitations in Cardiology that were sent and never answered.
    for _ in range(2):
        visit = await factories.visit(cardiology, place)
        await create_invitation(visit, await survey_version_for("telehealth", place))
    await Invitation.update({Invitation.sent_at: Invitation.created_at}, force=True)

    await sign_in(client, await factories.staff("lead", cardiology), factories.PASSWORD)
    page = await client.get(f"/surveys/results?survey=short-nps&department={oncology}")
    assert page.status_code == 200
    # A lead always gets their own department, whatever the query asked for.
    assert "43.8" in page.text  # (20 promoters - 6 detractors) / 32
    assert "(n=32)" in page.text
    assert "94.1%" in page.text  # 32 answered of 34 sent


async def test_small_samples_are_not_shown_as_numbers(client):
    await install_library()
    department = await factories.department("Radiology")
    place = await factories.location()
    await _answered(department, place, [10, 9, 2], "clinic")
    await sign_in(client, await factories.staff("executive"), factories.PASSWORD)
    page = await client.get("/surveys/results?survey=clinic-visit")
    assert "not enough responses" in page.text
    assert "Provider communication" in page.text
    assert "(n=3)" in page.text


async def test_bad_dates_and_unknown_surveys_are_answered_clearly(client):
    await install_library()
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    bad = await client.get("/surveys/results?survey=short-nps&start=31/03/2026")
    assert bad.status_code == 400 and "Dates must look like 2026-03-31." in bad.text
    unknown = await client.get("/surveys/results?survey=nope")
    assert unknown.status_code == 400 and "There is no survey with that key." in unknown.text
    staff = await factories.staff("staff", await factories.department())
    await sign_in(client, staff, factories.PASSWORD)
    assert (await client.get("/surveys/results")).status_code == 403
