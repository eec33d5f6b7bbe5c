"""The dashboard page, its htmx partial, the figures CSV, and who may open them."""

from __future__ import annotations

import csv
import io

import pytest

from feedback.auth.roles import CurrentStaff, Role
from feedback.services.tickets import recovery_contacts
from feedback.tables import AuditEvent, FeedbackItem, Ticket, TicketFeedback
from surveys.tables import Department
from tests import factories
from tests.conftest import sign_in
from tests.feedback.dashboard_seed import END, START, seed_quarter

QUERY = f"from={START}&to={END}"


async def _as(client, role: str, department: int | None = None) -> None:
    await sign_in(client, await factories.staff(role, department), factories.PASSWORD)


async def test_an_executive_sees_the_dashboard_and_its_htmx_partial(client):
    await seed_quarter()
    await _as(client, "executive")
    page = await client.get(f"/reports/dashboard?{QUERY}")
    assert page.status_code == 200
    assert "Executive dashboard" in page.text and 'href="/reports/dashboard"' in page.text
    assert "<svg" in page.text and "Net Promoter Score" in page.text
    assert "n = 40 responses" in page.text  # each figure shows its sample
    assert "style=" not in page.text.split("<main")[1]  # strict CSP: no inline styles
    partial = await client.get(f"/reports/dashboard?{QUERY}", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text and 'id="dashboard"' in partial.text


async def test_bad_dates_answer_400_with_the_reason(client):
    await _as(client, "admin")
    page = await client.get("/reports/dashboard?from=yesterday")
    assert page.status_code == 400 and "Dates must look like" in page.text


@pytest.mark.parametrize(
    "path", ["/reports/dashboard", "/reports/summary.pdf", "/reports/figures.csv"]
)
async def test_staff_are_refused(client, path):
    await _as(client, "staff", await factories.department())
    assert (await client.get(path)).status_code == 403


async def test_a_lead_gets_their_own_department_only(client):
    seeded = await seed_quarter()
    await _as(client, "lead", seeded.oncology)
    page = await client.get(f"/reports/dashboard?{QUERY}&department={seeded.cardiology}")
    assert page.status_code == 200
    assert "Billing" not in page.text  # Cardiology's theme never reaches an Oncology lead
    assert 'name="department"' not in page.text


async def test_figures_csv_is_audited_and_neutralises_formulas(client):
    seeded = await seed_quarter()
    await Department.update({Department.name: '=HYPERLINK("http://x")'}).where(
        Department.id == seeded.oncology
    )
    await _as(client, "executive")
    response = await client.get(f"/reports/figures.csv?{QUERY}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    by_label = {row[1]: row for row in rows[1:]}
    assert by_label["Net Promoter Score"][2:6] == ["30", "40", "0", "30"]
    # csv_safe neutralises every cell starting with = + - @, signed numbers included.
    assert by_label["Net Promoter Score"][6] == "'+30.0"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    assert await AuditEvent.count().where(AuditEvent.action == "report.figures_exported") == 1


async def test_an_executive_is_refused_every_patient_level_view(client, db):
    department = await factories.department()
    place = await factories.location()
    visit = await factories.visit(department, place)
    item = await FeedbackItem.insert(
        FeedbackItem(
            source="survey",
            text="Bad",
            department=department,
            sentiment="negative",
            visit=visit,
            rating=2,
            rating_scale=10,
        )
    ).returning(FeedbackItem.id)
    ticket = await Ticket.insert(Ticket(title="t", department=department)).returning(Ticket.id)
    await TicketFeedback.insert(TicketFeedback(ticket=ticket[0]["id"], feedback_item=item[0]["id"]))
    await _as(client, "executive")
    for path in ("/admin/visits/import", "/admin/users/", "/admin/surveys"):
        assert (await client.get(path)).status_code == 403, path
    executive = CurrentStaff(9, "e@x.org", "E", Role.EXECUTIVE, None, None)
    assert await recovery_contacts(executive, ticket[0]["id"]) == []
    page = await client.get(f"/tickets/{ticket[0]['id']}")
    assert page.status_code == 200 and "Contact details" not in page.text
