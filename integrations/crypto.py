"""Field encryption at rest (AES-256-GCM) and blind indexes (HMAC-SHA256). Pure, no I/O.

A stored value is text: `v1:<key id>:<base64(nonce | ciphertext | tag)>`. The key id says
which key of the ring opens it, so old and new keys can be read side by side while
`feedback rotate-keys` moves every value to the current key. The associated data names the
table, the column and a stable key of the row (`context()`): a ciphertext copied into another
row or column fails authentication instead of showing one patient's details as another's.

Plaintexts are padded to a multiple of 16 bytes before encryption, so a ciphertext's length
says little more than "short" or "long" about the value (a three-letter name and a
twelve-letter one look alike).

Keys come from settings only (never from the database); this module does not know where.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
KEY_BYTES = 32
KEY_HINT = (
    f"{KEY_BYTES} random bytes in base64 (make one with: python -c "
    "'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
)
NONCE_BYTES = 12
PAD_BLOCK = 16
# Lower case, digits and hyphens only: rotation finds stale values with SQL LIKE on the prefix,
# where `_` is a wildcard and SQLite ignores case.
KEY_ID = re.compile(r"^[a-z0-9-]{1,16}$")


class KeyConfigError(ValueError):
    """ENCRYPTION_KEYS or BLIND_INDEX_KEY is malformed; the message never shows a key."""


class DecryptionError(Exception):
    """A value cannot be opened: unknown key id, tampered, or moved from another row/column."""


def context(table: str, column: str, row_key: str) -> bytes:
    """The associated data that binds a value to its place; row_key must never change."""
    if not row_key:
        raise ValueError("an encrypted value needs the stable key of its row")
    return f"{table}|{column}|{row_key}".encode()


def decode_key(text: str, what: str) -> bytes:
    """A 32-byte key written as standard or URL-safe base64."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_")
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"{what} must be {KEY_HINT}")
    return raw


def parse_encryption_keys(text: str) -> dict[str, bytes]:
    """`id:base64,id:base64,…` → ordered {id: key}; the first is the current key."""
    keys: dict[str, bytes] = {}
    for number, entry in enumerate(filter(None, (part.strip() for part in text.split(","))), 1):
        key_id, separator, encoded = entry.partition(":")
        if not separator or not KEY_ID.match(key_id):
            raise KeyConfigError(
                f"entry {number} must look like ID:BASE64KEY "
                "(ID is 1-16 lower-case letters, digits or hyphens)"
            )
        if key_id in keys:
            raise KeyConfigError(f"entry {number} repeats the key id {key_id!r}")
        keys[key_id] = decode_key(encoded, f"entry {number} ({key_id})")
    if not keys:
        raise KeyConfigError("needs at least one ID:BASE64KEY entry")
    return keys


def is_encrypted(value: str | None) -> bool:
    return bool(value) and value.startswith(f"{VERSION}:")  # type: ignore[union-attr]


def key_id_of(value: str) -> str | None:
    if not is_encrypted(value):
        return None
    return value.split(":", 2)[1]


def _pad(data: bytes) -> bytes:
    # ISO/IEC 7816-4: a 0x80 marker then zeros up to the block size (always at least one byte).
    filler = PAD_BLOCK - len(data) % PAD_BLOCK
    return data + b"\x80" + b"\x00" * (filler - 1)


def _unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise DecryptionError("bad padding")
    return stripped[:-1]


@dataclass(frozen=True)
class KeyRing:
    """The encryption keys (first = current) and the blind-index key, from settings."""

    keys: Mapping[str, bytes]
    index_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyConfigError("a key ring needs at least one encryption key")
        if len(self.index_key) < KEY_BYTES:
            raise KeyConfigError(f"the blind-index key must be at least {KEY_BYTES} bytes")
        for key_id, key in self.keys.items():
            self._ciphers[key_id] = AESGCM(key)

    def __repr__(self) -> str:  # never print key material, even in a traceback
        return f"KeyRing(current={self.current_id!r}, ids={list(self.keys)!r})"

    @property
    def current_id(self) -> str:
        return next(iter(self.keys))

    def encrypt(self, plaintext: str, where: bytes) -> str:
        """Encrypt under the current key. The empty string stays empty (it means "none")."""
        if plaintext == "":
            return ""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current_id].encrypt(
            nonce, _pad(plaintext.encode("utf-8")), where
        )
        encoded = base64.b64encode(nonce + sealed).decode("ascii")
        return f"{VERSION}:{self.current_id}:{encoded}"

    def decrypt(self, stored: str | None, where: bytes) -> str:
        """Open a stored value; "" stays "". Anything else that is not a ciphertext is refused:
        a clear value written over a ciphertext must not pass for the patient's (callers
        decide, per row, whether a value predates encryption)."""
        if not stored:
            return ""
        if not is_encrypted(stored):
            raise DecryptionError("expected an encrypted value")
        try:
            _, key_id, encoded = stored.split(":", 2)
            cipher = self._ciphers[key_id]
            blob = base64.b64decode(encoded, validate=True)
            opened = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], where)
            return _unpad(opened).decode("utf-8")
        except KeyError:
            raise DecryptionError("encrypted with a key id this ring does not hold") from None
        except (ValueError, binascii.Error, InvalidTag, UnicodeDecodeError):
            raise DecryptionError("tampered with, or moved from another row or column") from None

    def is_current(self, stored: str | None) -> bool:
        """True when nothing is left to do for this value (empty, or under the current key)."""
        return not stored or key_id_of(stored) == self.current_id

    def reencrypt(self, stored: str, where: bytes) -> str:
        return self.encrypt(self.decrypt(stored, where), where)

    def blind_index(self, purpose: str, normalised: str) -> str:
        """A keyed hash for equality lookups; "" for "" so that "no value" is not indexed.

        The purpose separates indexes (an email's index never equals an MRN's), so a match in
        one list says nothing about another."""
        if normalised == "":
            return ""
        message = purpose.encode() + b"\x00" + normalised.encode("utf-8")
        return hmac.new(self.index_key, message, hashlib.sha256).hexdigest()

    @property
    def current_prefix(self) -> str:
        """What every up-to-date ciphertext starts with (for finding the ones that are not)."""
        return f"{VERSION}:{self.current_id}:"
