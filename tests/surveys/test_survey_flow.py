"""A patient answers a survey through the real pages; the response becomes analysed feedback."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from feedback.tables import FeedbackItem
from surveys.service import create_invitation, hash_token, install_library, survey_version_for
from surveys.tables import Answer, Consent, Invitation, Response, Visit
from tests import factories

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _invited(visit_type: str = "inpatient", language: str = "en") -> tuple[str, int]:
    await install_library()
    department = await factories.department("Maternity")
    location = await factories.location("Riverside")
    visit = await factories.visit(department, location)
    await Visit.update({Visit.visit_type: visit_type}).where(Visit.id == visit)
    version = await survey_version_for(visit_type, location)
    assert version is not None
    return await create_invitation(visit, version, language), visit


async def _form_token(client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


async def test_the_token_is_stored_only_as_a_hash_and_get_does_not_consume_it(client):
    token, _ = await _invited()
    assert len(token) >= 43  # 256 bits, url-safe
    row = await Invitation.select().first()
    assert row["token_hash"] == hash_token(token) and token not in str(row)
    for _ in range(3):  # a mail scanner prefetching the link
        page = await client.get(f"/s/{token}")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
    assert (await Invitation.select(Invitation.used_at).first())["used_at"] is None


async def test_a_patient_answers_in_spanish_and_staff_get_analysed_feedback(client):
    token, visit = await _invited(language="es")
    page = await client.get(f"/s/{token}")
    assert 'lang="es"' in page.text and "Su estancia en el hospital" in page.text
    csrf = CSRF.search(page.text).group(1)
    response = await client.post(
        f"/s/{token}",
        data={
            "_csrf_token": csrf,
            "lang": "es",
            "nurses_courtesy": "always",
            "room_clean": "sometimes",
            "new_medicine": "no",
            "overall_rating": "6",
            "improve": "La habitación estaba sucia y esperamos tres horas el alta.",
            "went_well": "",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/{token}/thanks?lang=es"
    stored = await Response.select().first()
    assert stored["language"] == "es" and stored["visit"] == visit
    answers = {row["question_key"]: row for row in await Answer.select()}
    assert answers["overall_rating"]["numeric_value"] == 6
    assert answers["room_clean"]["value"] == "sometimes"
    items = await FeedbackItem.select().where(FeedbackItem.response == stored["id"])
    assert len(items) == 1
    assert items[0]["language"] == "es" and items[0]["sentiment"] == "negative"
    assert items[0]["question_key"] == "improve" and items[0]["source"] == "survey"
    thanks = await client.get(f"/s/{token}/thanks?lang=es")
    assert "Gracias" in thanks.text and "Guardar mi elección" in thanks.text


async def test_errors_are_shown_next_to_their_questions_and_nothing_is_stored(client):
    token, _ = await _invited()
    csrf = await _form_token(client, f"/s/{token}")
    response = await client.post(
        f"/s/{token}", data={"_csrf_token": csrf, "lang": "en", "room_clean": "sparkling"}
    )
    assert response.status_code == 422
    assert 'id="error-overall_rating"' in response.text
    assert "Please answer this question." in response.text
    assert 'href="#q-room_clean"' in response.text
    assert await Response.count() == 0
    assert (await Invitation.select(Invitation.used_at).first())["used_at"] is None


async def test_a_double_submit_stores_one_response(client):
    token, _ = await _invited(visit_type="telehealth")
    csrf = await _form_token(client, f"/s/{token}")
    data = {"_csrf_token": csrf, "lang": "en", "recommend": "9", "went_well": "Kind nurses."}
    first, second = await asyncio.gather(
        client.post(f"/s/{token}", data=data), client.post(f"/s/{token}", data=data)
    )
    assert {first.status_code, second.status_code} == {303}
    assert await Response.count() == 1
    assert await FeedbackItem.count() == 1
    again = await client.get(f"/s/{token}")
    assert "You have already answered this survey" in again.text


async def test_expired_and_unknown_links_get_a_kind_page(client):
    token, _ = await _invited()
    await Invitation.update(
        {Invitation.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}, force=True
    )
    expired = await client.get(f"/s/{token}")
    assert expired.status_code == 410 and "This survey link has expired" in expired.text
    unknown = await client.get("/s/not-a-real-token")
    assert unknown.status_code == 404 and "We could not find this survey" in unknown.text


async def test_consent_is_recorded_with_its_wording_version_once(client):
    token, _ = await _invited(visit_type="telehealth")
    csrf = await _form_token(client, f"/s/{token}")
    await client.post(f"/s/{token}", data={"_csrf_token": csrf, "lang": "en", "recommend": "3"})
    csrf = await _form_token(client, f"/s/{token}/thanks")
    for _ in range(2):
        response = await client.post(
            f"/s/{token}/consent",
            data={"_csrf_token": csrf, "improvement_updates": "yes", "lang": "en"},
        )
        assert response.status_code == 303
    consents = await Consent.select()
    assert len(consents) == 1
    assert consents[0]["purpose"] == "improvement_updates"
    assert consents[0]["wording_version"] == "improvement-updates-v1"
    page = await client.get(f"/s/{token}/thanks?lang=en&saved=true")
    assert "We will let you know" in page.text


async def test_the_privacy_notice_is_linked_from_survey_pages(client):
    token, _ = await _invited()
    page = await client.get(f"/s/{token}")
    assert 'href="/privacy?lang=en"' in page.text
    notice = await client.get("/privacy?lang=es")
    assert notice.status_code == 200 and "Cómo usamos sus respuestas" in notice.text


async def test_survey_submissions_and_tracking_pages_are_rate_limited_per_address(client):
    from feedback.web.loop_pages import TRACKING_LIMIT
    from surveys.web import SURVEY_LIMIT

    token, _ = await _invited()
    csrf = await _form_token(client, f"/s/{token}")
    # A new (unknown) link each time: the per-link allowance is tested on its own below.
    statuses = [
        (await client.post(f"/s/no-such-{n}", data={"lang": "en", "_csrf_token": csrf})).status_code
        for n in range(SURVEY_LIMIT + 1)
    ]
    assert statuses[:SURVEY_LIMIT] == [404] * SURVEY_LIMIT  # the kind "no such survey" page
    assert statuses[SURVEY_LIMIT] == 429
    tracking = [(await client.get(f"/t/1.{n}")).status_code for n in range(TRACKING_LIMIT + 1)]
    assert tracking[:TRACKING_LIMIT] == [404] * TRACKING_LIMIT
    assert tracking[TRACKING_LIMIT] == 429


async def test_stored_submissions_count_towards_the_address_allowance(client, monkeypatch):
    """The count of a stored response commits with it; once the allowance is used, the next
    post from that address is refused before anything is looked at or stored."""
    import surveys.web
    from integrations.tables import RateLimitBucket

    monkeypatch.setattr(surveys.web, "SURVEY_LIMIT", 2)
    first, visit = await _invited()
    version = (await Invitation.select(Invitation.survey_version).first())["survey_version"]
    tokens = [first, *[await create_invitation(visit, version) for _ in range(2)]]
    csrf = await _form_token(client, f"/s/{first}")
    answers = {"_csrf_token": csrf, "lang": "en", "nurses_courtesy": "always",
               "room_clean": "usually", "new_medicine": "yes", "overall_rating": "9",
               "improve": "", "went_well": "Kind nurses."}  # fmt: skip
    statuses = [(await client.post(f"/s/{t}", data=answers)).status_code for t in tokens]
    assert statuses == [303, 303, 429]
    assert await Response.count() == 2
    # The address's count, and each stored link's own.
    counts = sorted(row["hits"] for row in await RateLimitBucket.select(RateLimitBucket.hits))
    assert counts == [1, 1, 2]
    assert await Invitation.count().where(Invitation.used_at.is_null()) == 1


async def test_one_link_is_limited_whatever_the_address(client, monkeypatch):
    """A link hammered (from one address here; the count is per link, not per address) is
    refused after TOKEN_LIMIT posts an hour, while another link from that address still works;
    the unsubscribe and tracking links are limited the same way."""
    import surveys.web

    monkeypatch.setattr(surveys.web, "TOKEN_LIMIT", 3)
    monkeypatch.setattr(surveys.web, "SURVEY_LIMIT", 1000)
    token, visit = await _invited()
    version = (await Invitation.select(Invitation.survey_version).first())["survey_version"]
    other = await create_invitation(visit, version)
    csrf = await _form_token(client, f"/s/{token}")
    answers = {"_csrf_token": csrf, "lang": "en", "nurses_courtesy": "always",
               "room_clean": "usually", "new_medicine": "yes", "overall_rating": "9",
               "improve": "", "went_well": "Kind nurses."}  # fmt: skip
    statuses = [(await client.post(f"/s/{token}", data=answers)).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert (await client.post(f"/s/{other}", data=answers)).status_code == 303
    unsubscribe = [
        (await client.post("/unsubscribe/not-a-real-token", data={"lang": "en"})).status_code
        for _ in range(4)
    ]
    assert unsubscribe == [404, 404, 404, 429]
    tracking = [(await client.get("/t/1.nope")).status_code for _ in range(4)]
    assert tracking == [404, 404, 404, 429]


async def test_the_callers_count_commits_with_the_response_even_when_the_link_was_just_used(
    client,
):
    """Two submissions of one link at once: one response is stored, the other is told the
    link was used, and both are counted (the count is part of the statement or transaction
    that claims the link, written whether or not the claim holds, after the rows, so the
    row every submission from one address updates is locked only until the commit)."""
    from feedback.services.survey_intake import take_survey_response
    from integrations.ratelimit import plan_hits
    from integrations.tables import RateLimitBucket
    from surveys.service import submit_invitation

    token, _ = await _invited()
    form = {"nurses_courtesy": ["always"], "room_clean": ["usually"], "new_medicine": ["yes"],
            "overall_rating": ["3"], "improve": ["The ward was filthy and nobody came."],
            "went_well": [""]}  # fmt: skip
    window = dt.timedelta(hours=1)

    def count(plan) -> None:
        plan_hits(plan, ["one address"], window)

    outcomes = await asyncio.gather(
        *(
            submit_invitation(token, form, "en", take_survey_response, also_write=count)
            for _ in range(2)
        )
    )
    assert sorted(o.already_submitted for o in outcomes) == [False, True]
    assert await Response.count() == 1
    assert await FeedbackItem.count() == 1
    assert [row["hits"] for row in await RateLimitBucket.select(RateLimitBucket.hits)] == [2]
