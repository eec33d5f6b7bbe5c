"""Security headers on every response, including errors; private pages are never cached."""

from __future__ import annotations

import pytest

from feedback.app import create_app
from feedback.web.security_headers import CSP
from tests.conftest import make_settings


@pytest.mark.parametrize("path", ["/login", "/no/such/page", "/api/v1/me", "/healthz"])
async def test_every_response_carries_the_headers(client, path):
    response = await client.get(path)
    assert response.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # not outside production


async def test_static_assets_may_be_cached(client):
    response = await client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers.get("cache-control") != "no-store"


def test_production_sends_hsts(sqlite_database_url):
    settings = make_settings(
        sqlite_database_url,
        ENVIRONMENT="production",
        ENCRYPTION_KEYS="k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        BLIND_INDEX_KEY="ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=",
    )
    app = create_app(settings)
    assert any(hook for hook in app.before_send)
    # The hook itself, run on a response start message:
    import asyncio

    message = {"type": "http.response.start", "status": 200, "headers": []}
    asyncio.run(app.before_send[0](message, {"path": "/"}))
    names = {name for name, _ in message["headers"]}
    assert b"strict-transport-security" in names
