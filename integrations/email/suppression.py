"""Addresses that must not be emailed, kept as a blind index.

The table stores HMAC-SHA256(key, normalised address), never the address: a copy of the
database does not reveal who unsubscribed, and without the key the index cannot be brute-forced
from a list of known addresses. The key must stay stable for as long as the list matters
(a new key forgets every suppression), so it should not be a key that gets rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from integrations.email.outbox import log_event
from integrations.tables import Suppression

MAX_REASON = 50


def normalise_address(address: str) -> str:
    # Local parts are case-sensitive on paper, but no real mailbox provider treats them so,
    # and an unsubscribe must hold however the address was typed next time.
    return unicodedata.normalize("NFKC", address).strip().lower()


def address_index(address: str, key: bytes) -> str:
    if not key:
        raise ValueError("a non-empty key is required for the suppression index")
    digest = hmac.new(key, normalise_address(address).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()


async def suppress(address: str, reason: str, key: bytes) -> bool:
    """Add `address` to the list; False when it was already there (the first reason stays)."""
    return await suppress_index(address_index(address, key), reason)


async def suppress_index(index: str, reason: str) -> bool:
    """Like suppress(), for a caller that holds only the blind index (an unsubscribe link)."""
    if not reason or len(reason) > MAX_REASON:
        raise ValueError(f"reason must be 1..{MAX_REASON} characters")
    row = Suppression(address_index=index, reason=reason)
    inserted = (
        await Suppression.insert(row)
        .on_conflict(target=Suppression.address_index, action="DO NOTHING")
        .returning(Suppression.id)
    )
    if inserted:
        log_event("suppression.added", suppression_id=inserted[0]["id"], reason=reason)
    return bool(inserted)


async def is_suppressed(address: str, key: bytes) -> bool:
    return await Suppression.exists().where(
        Suppression.address_index == address_index(address, key)
    )


def unsubscribe_token(address: str, key: bytes) -> str:
    """An opaque token for an unsubscribe link: the blind index and a signature over it.

    It names the address without revealing it (the index is a keyed hash), and cannot be
    forged for another address without the key.
    """
    index = address_index(address, key)
    return f"{index}.{_signature(index, key)}"


def index_from_unsubscribe_token(token: str, key: bytes) -> str | None:
    index, _, signature = token.partition(".")
    if len(index) != 64 or not hmac.compare_digest(signature, _signature(index, key)):
        return None
    return index


def _signature(index: str, key: bytes) -> str:
    return hmac.new(key, b"unsubscribe:" + index.encode(), hashlib.sha256).hexdigest()[:32]
