"""Who may open what (DESIGN.md §6), the admin pages as htmx and as plain forms, and errors."""

from __future__ import annotations

import json
import logging

import pytest

from feedback.logs import JsonFormatter
from feedback.tables import AuditEvent, StaffUser
from tests import factories
from tests.conftest import csrf_token, sign_in


async def _signed_in_as(client, role: str, department_id: int | None = None) -> str:
    email = await factories.staff(role, department_id)
    await sign_in(client, email, factories.PASSWORD)
    return email


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("executive", 403), ("lead", 403), ("staff", 403)]
)
async def test_only_admins_open_the_user_admin(client, role, status):
    department = await factories.department()
    await _signed_in_as(client, role, department if role in ("lead", "staff") else None)
    response = await client.get("/admin/users/")
    assert response.status_code == status
    if status == 403:
        assert "You do not have access to this page" in response.text
        assert "Users" not in response.text.split("<main")[0]


async def test_navigation_shows_each_role_only_its_sections(client):
    await _signed_in_as(client, "admin")
    page = await client.get("/")
    assert 'href="/admin/users"' in page.text


async def test_signed_out_people_are_sent_to_sign_in_and_the_api_answers_401_json(client):
    page = await client.get("/admin/users/")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/admin/users"
    api = await client.get("/api/v1/me")
    assert api.status_code == 401
    assert api.json()["detail"]


async def test_htmx_requests_without_a_session_are_told_to_navigate(client):
    response = await client.get("/admin/users/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


async def test_a_lead_sees_only_their_own_department(client):
    mine = await factories.department("Cardiology")
    other = await factories.department("Oncology")
    place = await factories.location()
    await factories.visit(mine, place)
    await factories.visit(other, place)
    await factories.visit(other, place)
    await _signed_in_as(client, "lead", mine)
    page = await client.get("/")
    assert "Cardiology" in page.text
    assert "Oncology" not in page.text
    me = (await client.get("/api/v1/me")).json()
    assert me["role"] == "lead" and me["department_id"] == mine


async def test_executives_see_every_department(client):
    for name in ("Cardiology", "Oncology"):
        await factories.department(name)
    await _signed_in_as(client, "executive")
    page = await client.get("/")
    assert "Cardiology" in page.text and "Oncology" in page.text


async def test_admin_creates_an_account_with_a_plain_form_post(client):
    department = await factories.department("Radiology")
    await _signed_in_as(client, "admin")
    token = await csrf_token(client, "/admin/users/")
    response = await client.post(
        "/admin/users/",
        data={
            "_csrf_token": token,
            "display_name": "Riya Shah",
            "email": "Riya@Hospital.org",
            "role": "lead",
            "department_id": str(department),
            "password": "a long passphrase",
        },
    )
    assert response.status_code == 303
    page = await client.get("/admin/users/")
    assert "Account created for Riya@Hospital.org" in page.text
    row = await StaffUser.select().where(StaffUser.email == "riya@hospital.org").first()
    assert row["role"] == "lead" and row["department"] == department
    assert await AuditEvent.exists().where(AuditEvent.action == "staff.created")


async def test_admin_form_errors_come_back_tied_to_their_fields_and_store_nothing(client):
    await _signed_in_as(client, "admin")
    token = await csrf_token(client, "/admin/users/")
    before = await StaffUser.count()
    response = await client.post(
        "/admin/users/",
        headers={"HX-Request": "true", "x-csrftoken": token},
        data={"display_name": "", "email": "not-an-email", "role": "lead", "password": "short"},
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'aria-describedby="email-error"' in response.text
    assert "belongs to a department" in response.text
    assert "at least 12 characters" in response.text
    assert "<html" not in response.text  # a fragment for htmx to swap, not a page
    assert await StaffUser.count() == before


async def test_admin_deactivates_an_account_through_htmx_and_it_loses_access(client):
    victim = await factories.staff("executive")
    await _signed_in_as(client, "admin")
    victim_id = (await StaffUser.select(StaffUser.id).where(StaffUser.email == victim).first())[
        "id"
    ]
    token = await csrf_token(client, "/admin/users/")
    response = await client.post(
        f"/admin/users/{victim_id}/active",
        headers={"HX-Request": "true", "x-csrftoken": token},
        data={"active": "false"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="user-{victim_id}">')
    assert "Deactivated" in response.text
    assert not (await StaffUser.select().where(StaffUser.id == victim_id).first())["is_active"]


async def test_admins_cannot_lock_themselves_out(client):
    email = await _signed_in_as(client, "admin")
    me = (await StaffUser.select(StaffUser.id).where(StaffUser.email == email).first())["id"]
    token = await csrf_token(client, "/admin/users/")
    response = await client.post(
        f"/admin/users/{me}/active", data={"_csrf_token": token, "active": "false"}
    )
    assert response.status_code == 303
    page = await client.get("/admin/users/")
    assert "You cannot deactivate your own account." in page.text


async def test_unknown_pages_get_a_page_for_people_and_json_for_the_api(client):
    page = await client.get("/no/such/page")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "Page not found" in page.text
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json()["status_code"] == 404


async def test_healthz_reports_the_database(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_schema_documents_the_api_but_not_the_pages(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/me" in schema["paths"]
    assert "/healthz" in schema["paths"]
    assert "/login" not in schema["paths"]


async def test_request_log_names_routes_not_paths(client, caplog):
    caplog.set_level(logging.INFO, logger="feedback")
    await client.get("/login?next=/patients/Jane-Doe-MRN-12345")
    lines = [JsonFormatter().format(record) for record in caplog.records]
    request_lines = [json.loads(line) for line in lines if '"request"' in line]
    assert request_lines and request_lines[-1]["route"] == "/login"
    assert not any("Jane" in line or "12345" in line for line in lines)
