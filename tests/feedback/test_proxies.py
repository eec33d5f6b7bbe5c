"""X-Forwarded-For is believed only from configured proxies, read from the right."""

from __future__ import annotations

import re

import pytest

from feedback.app import create_app
from feedback.settings import SettingsError, load_settings
from feedback.tables import AuditEvent
from feedback.web.proxies import client_from, parse_networks
from tests.conftest import csrf_token, make_settings

PROXIES = parse_networks("10.0.0.0/8, 192.0.2.1")


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        ("198.51.100.4", "203.0.113.9", "198.51.100.4"),  # not a proxy: header ignored
        ("10.1.2.3", "203.0.113.9", "203.0.113.9"),
        ("10.1.2.3", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the spoofed left part is ignored
        ("10.1.2.3", "203.0.113.9, 192.0.2.1", "203.0.113.9"),  # two proxies in a row
        ("10.1.2.3", "", "10.1.2.3"),
        ("10.1.2.3", "not-an-address", "10.1.2.3"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str, header: str, client: str
) -> None:
    assert client_from(peer, header, PROXIES) == client


def test_a_bad_proxy_setting_names_the_entry() -> None:
    with pytest.raises(SettingsError, match=re.escape("TRUSTED_PROXIES has 'ten.0.0.0'")):
        load_settings({"TRUSTED_PROXIES": "ten.0.0.0"})


async def _failed_login_address(settings) -> str:  # type: ignore[no-untyped-def]
    import httpx

    app = create_app(settings)
    for hook in app.on_startup:
        await hook(app)
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            token = await csrf_token(client)
            await client.post(
                "/login",
                data={"email": "nobody@example.org", "password": "wrong" * 4, "_csrf_token": token},
                headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"},
            )
        row = await AuditEvent.select().where(AuditEvent.action == "login.failed").first()
        return row["client_address"]
    finally:
        for hook in app.on_shutdown:
            await hook(app)


async def test_behind_a_trusted_proxy_the_audit_names_the_real_client(
    database_url: str,
) -> None:
    settings = make_settings(database_url, TRUSTED_PROXIES="127.0.0.1")
    assert await _failed_login_address(settings) == "203.0.113.9"


async def test_without_trusted_proxies_a_forged_header_changes_nothing(database_url: str) -> None:
    assert await _failed_login_address(make_settings(database_url)) == "127.0.0.1"
