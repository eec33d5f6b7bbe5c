"""Field encryption: values open only in their own row and column, under a key of the ring."""

from __future__ import annotations

import base64

import pytest

from integrations.crypto import (
    DecryptionError,
    KeyConfigError,
    KeyRing,
    context,
    key_id_of,
    parse_encryption_keys,
)

OLD = bytes(range(32))
NEW = bytes(range(32, 64))
INDEX = bytes(range(64, 96))
WHERE = context("patient", "email", "row-a")


def ring(*keys: tuple[str, bytes]) -> KeyRing:
    return KeyRing(dict(keys), INDEX)


def test_a_value_round_trips_and_never_appears_in_its_ciphertext():
    keyring = ring(("k1", OLD))
    sealed = keyring.encrypt("Zoë O'Brien-Smith", WHERE)
    # Long enough fragments that random base64 cannot contain them by chance ("Zo" could).
    assert sealed.startswith("v1:k1:") and "Brien" not in sealed and "Smith" not in sealed
    assert keyring.decrypt(sealed, WHERE) == "Zoë O'Brien-Smith"
    # A fresh nonce each time: equal values do not look equal.
    assert keyring.encrypt("Zoë O'Brien-Smith", WHERE) != sealed
    assert keyring.encrypt("", WHERE) == "" and keyring.decrypt("", WHERE) == ""


def test_lengths_are_padded_so_short_values_look_alike():
    keyring = ring(("k1", OLD))
    assert len(keyring.encrypt("Al", WHERE)) == len(keyring.encrypt("Bartholomew", WHERE))


@pytest.mark.parametrize(
    "other",
    [
        context("patient", "email", "row-b"),  # another patient's row
        context("patient", "phone", "row-a"),  # another column of the same row
        context("outbox_message", "email", "row-a"),  # another table
    ],
)
def test_a_ciphertext_moved_elsewhere_does_not_open(other):
    keyring = ring(("k1", OLD))
    with pytest.raises(DecryptionError):
        keyring.decrypt(keyring.encrypt("ana@example.org", WHERE), other)


def test_a_tampered_ciphertext_does_not_open():
    keyring = ring(("k1", OLD))
    sealed = keyring.encrypt("ana@example.org", WHERE)
    prefix, blob = sealed.rsplit(":", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[15] ^= 1
    with pytest.raises(DecryptionError):
        keyring.decrypt(f"{prefix}:{base64.b64encode(bytes(raw)).decode()}", WHERE)
    with pytest.raises(DecryptionError):
        keyring.decrypt(sealed[:-4], WHERE)
    with pytest.raises(DecryptionError):  # relabelled as another key's
        ring(("k1", OLD), ("k2", NEW)).decrypt(sealed.replace("v1:k1:", "v1:k2:"), WHERE)


def test_old_keys_still_open_and_new_writes_use_the_first_key():
    old = ring(("k1", OLD)).encrypt("MRN-1", WHERE)
    rotated = ring(("k2", NEW), ("k1", OLD))
    assert rotated.decrypt(old, WHERE) == "MRN-1"
    assert not rotated.is_current(old)
    fresh = rotated.reencrypt(old, WHERE)
    assert key_id_of(fresh) == "k2" and rotated.is_current(fresh)
    with pytest.raises(DecryptionError, match="key id"):
        ring(("k2", NEW)).decrypt(old, WHERE)


def test_a_clear_value_written_over_a_ciphertext_is_refused():
    with pytest.raises(DecryptionError):
        ring(("k1", OLD)).decrypt("Mallory", WHERE)


def test_blind_indexes_are_keyed_and_separated_by_purpose():
    keyring = ring(("k1", OLD))
    email = keyring.blind_index("patient.email", "ana@example.org")
    assert email == keyring.blind_index("patient.email", "ana@example.org")
    assert email != keyring.blind_index("patient.mrn", "ana@example.org")
    assert email != KeyRing({"k1": OLD}, NEW).blind_index("patient.email", "ana@example.org")
    assert keyring.blind_index("patient.email", "") == ""


def test_key_settings_are_checked_without_echoing_keys():
    good = base64.b64encode(OLD).decode()
    assert list(parse_encryption_keys(f"new:{good}, old:{base64.b64encode(NEW).decode()}")) == [
        "new",
        "old",
    ]
    for bad in ("", "k1", f"K1:{good}", f"k1:{good[:-8]}", f"k1:{good},k1:{good}", "k1:not-b64!"):
        with pytest.raises(KeyConfigError) as error:
            parse_encryption_keys(bad)
        assert good not in str(error.value)
    assert "k1" in repr(ring(("k1", OLD))) and str(OLD) not in repr(ring(("k1", OLD)))
