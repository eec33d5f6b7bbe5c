"""Anonymous kiosk/QR surveys: no token, one response per device session, rate-limited."""

from __future__ import annotations

import re

from feedback.tables import FeedbackItem
from surveys.service import install_library
from surveys.tables import Location, Response
from tests import factories
from tests.conftest import csrf_token, sign_in

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _kiosk(client) -> int:
    await install_library()
    location = await Location.insert(
        Location(name="Eastside", slug="eastside", review_url="https://reviews.example.org/e")
    ).returning(Location.id)
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    token = await csrf_token(client, "/admin/surveys/short-nps")
    response = await client.post(
        f"/admin/surveys/short-nps/kiosk/{location[0]['id']}",
        data={"_csrf_token": token, "offered": "true"},
    )
    assert response.status_code == 303
    qr = await client.get("/admin/surveys/short-nps/qr/eastside")
    assert qr.headers["content-type"].startswith("image/svg+xml") and "<svg" in qr.text
    await client.post("/logout", data={"_csrf_token": token})
    return location[0]["id"]


async def _answer(client, score: str = "9"):
    page = await client.get("/k/eastside")
    assert page.status_code == 200 and "How did we do?" in page.text
    csrf = CSRF.search(page.text).group(1)
    return await client.post(
        "/k/eastside",
        data={
            "_csrf_token": csrf,
            "lang": "en",
            "recommend": score,
            "improve": "The toilets were dirty.",
        },
    )


async def test_an_anonymous_response_is_stored_without_any_patient(client):
    location = await _kiosk(client)
    response = await _answer(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/k/eastside/thanks?lang=en"
    stored = await Response.select().first()
    assert stored["channel"] == "kiosk" and stored["location"] == location
    assert stored["invitation"] is None and stored["visit"] is None
    item = await FeedbackItem.select().first()
    assert item["patient"] is None and item["location"] == location
    thanks = await client.get("/k/eastside/thanks")
    assert "Start a new survey for the next person" in thanks.text
    assert "Would you like to hear what changed?" not in thanks.text  # nobody to tell


async def test_one_response_per_device_session(client):
    await _kiosk(client)
    page = await client.get("/k/eastside")
    csrf = CSRF.search(page.text).group(1)
    device = client.cookies.get("fb_kiosk")
    data = {"_csrf_token": csrf, "lang": "en", "recommend": "3"}
    assert (await client.post("/k/eastside", data=data)).status_code == 303
    assert client.cookies.get("fb_kiosk") is None  # the submit ended the device session
    client.cookies.set("fb_kiosk", device, domain="127.0.0.1", path="/k/")  # a replay
    again = await client.post("/k/eastside", data=data)
    assert again.status_code == 303
    assert await Response.count() == 1
    assert client.cookies.get("fb_kiosk") is None
    await _answer(client)  # a new session (new cookie) may answer again
    assert await Response.count() == 2


async def test_submissions_are_rate_limited_per_client_address(client):
    await _kiosk(client)
    statuses = [(await _answer(client)).status_code for _ in range(31)]
    assert statuses[:30] == [303] * 30
    assert statuses[30] == 429
    assert await Response.count() == 30


async def test_locations_without_a_kiosk_show_a_kind_page(client):
    await install_library()
    await Location.insert(Location(name="Northgate", slug="northgate"))
    page = await client.get("/k/northgate")
    assert page.status_code == 404 and "We could not find this survey" in page.text
