"""The suppression list holds a keyed blind index, never an address."""

from __future__ import annotations

import hmac

from integrations.email import address_index, is_suppressed, suppress
from integrations.tables import Suppression

KEY = b"a-stable-suppression-key-32-bytes"


async def test_suppression_is_case_insensitive_and_stores_no_address(db):
    assert await suppress("  Pat.Doe@Example.ORG ", "unsubscribed", KEY) is True
    assert await suppress("pat.doe@example.org", "bounced", KEY) is False

    assert await is_suppressed("pat.doe@example.org", KEY)
    assert await is_suppressed("PAT.DOE@EXAMPLE.ORG", KEY)
    assert not await is_suppressed("someone.else@example.org", KEY)
    assert not await is_suppressed("pat.doe@example.org", b"another-key-entirely-32-bytes!!")

    [row] = await Suppression.select()
    assert row["reason"] == "unsubscribed"
    assert len(row["address_index"]) == 64
    assert "pat" not in row["address_index"].lower() and "example" not in str(row).lower()


def test_the_index_is_an_hmac_of_the_normalised_address():
    expected = hmac.new(KEY, b"pat.doe@example.org", "sha256").hexdigest()
    assert address_index("Pat.Doe@Example.org\n", KEY) == expected
    assert address_index("pat.doe@example.org", b"other") != expected
