"""The PDF summary: numbers against the seeded quarter, no patient identifiers, small cells
withheld, offline rendering, and the audit trail."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from feedback.reports.pdf import AssetsOnlyFetcher, render_pdf
from feedback.tables import AuditEvent, FeedbackItem
from tests import factories
from tests.conftest import sign_in
from tests.feedback.dashboard_seed import END, START, seed_quarter


def pdf_text(pdf: bytes) -> str:
    # `make test` installs poppler-utils (the Makefile's browser target); a missing tool fails
    # the test rather than skipping it, so the PDF's numbers are always read.
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: run `make browser` (it installs poppler-utils)")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True)
    return done.stdout.decode()


async def test_the_quarter_pdf_has_the_figures_and_no_patient_identifiers(client, tmp_path):
    await seed_quarter()
    await sign_in(client, await factories.staff("executive"), factories.PASSWORD)
    response = await client.get(f"/reports/summary.pdf?from={START}&to={END}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    (tmp_path / "summary.pdf").write_bytes(response.content)
    text = " ".join(pdf_text(response.content).split())
    # Figures checked against the hand-worked quarter (tests/feedback/dashboard_seed.py).
    assert "Net Promoter Score 30 40 0 +30" in text
    assert "Top-box overall rating (9-10) 75% 40 100% -25" in text
    assert "Response rate 40% 100" in text
    assert "Tickets resolved within SLA 75% 4" in text
    assert "Median time to resolve 2.5 days 4" in text
    assert "Contributing patients told 50% 2" in text
    assert "Page 1 of" in text and "aggregates only" in text
    assert "Billing · 24 negative mentions" in text
    # Comments are quoted scrubbed: no phone numbers, emails or names.
    assert "[phone]" in text and "[email]" in text
    assert "07700" not in text and "@example.org" not in text and "Smith" not in text
    # Patients' names (the seed calls them Ann Example) and record numbers never appear.
    assert "Example" not in text and "M-2026" not in text
    # The parking theme has 4 mentions: never quoted, its heat-map cell withheld.
    assert "Facilities ·" not in text
    assert await AuditEvent.count().where(AuditEvent.action == "report.pdf_downloaded") == 1


async def test_a_hostile_comment_never_makes_the_renderer_fetch(client):
    seeded = await seed_quarter()
    await FeedbackItem.update(
        {FeedbackItem.text: '<img src="http://127.0.0.1:9/leak.png"> billing again and again'}
    ).where(FeedbackItem.department == seeded.cardiology)
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    response = await client.get(f"/reports/summary.pdf?from={START}&to={END}")
    assert response.status_code == 200
    # Autoescaped and scrubbed: the link is quoted as "[link]", never an image to fetch.
    assert "[link]" in " ".join(pdf_text(response.content).split())


def test_the_fetcher_serves_project_assets_and_refuses_everything_else(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"x")
    fetcher = AssetsOnlyFetcher()
    html = (
        '<link rel="stylesheet" href="report.css">'
        '<img src="http://127.0.0.1:9/x.png"><img src="https://example.org/y.png">'
        f'<img src="{secret.as_uri()}"><img src="../../etc/passwd">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
    )
    pdf = render_pdf(html, fetcher)
    assert pdf.startswith(b"%PDF")
    assert any(url.startswith("http://127.0.0.1:9") for url in fetcher.refused)
    assert any(url.startswith("https://example.org") for url in fetcher.refused)
    assert any(url.endswith("secret.png") for url in fetcher.refused)
    assert any("passwd" in url for url in fetcher.refused)
    assert any(url.startswith("data:") for url in fetcher.refused)
    assert not any(url.endswith("report.css") for url in fetcher.refused)
    assert io.BytesIO(pdf).read(4) == b"%PDF"


async def test_refused_roles_and_bad_dates(client):
    await sign_in(
        client, await factories.staff("lead", await factories.department()), factories.PASSWORD
    )
    response = await client.get("/reports/summary.pdf?from=nonsense")
    assert response.status_code == 400 and "Dates must look like" in response.text
