import subprocess
import sys

import pytest

from feedback.settings import DEVELOPMENT_SECRET_KEY, SettingsError, load_settings


def test_defaults_are_an_embedded_sqlite_development_setup():
    settings = load_settings({})
    assert settings.is_sqlite
    assert settings.sqlite_path.name == "feedback.sqlite3"
    assert settings.sqlite_path.parent.name == "var"
    assert settings.secret_key == DEVELOPMENT_SECRET_KEY
    assert not settings.secure_cookies


@pytest.mark.parametrize(
    ("variable", "value", "phrase"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL must be sqlite"),
        ("DATABASE_URL", "sqlite:///", "DATABASE_URL sqlite URL needs a file path"),
        ("BASE_URL", "example.org", "BASE_URL must be an absolute"),
        ("SMTP_URL", "smtp://host:notaport", "SMTP_URL has a port that is not a number"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 32 characters"),
        ("SESSION_IDLE_MINUTES", "ten", "SESSION_IDLE_MINUTES must be a whole number"),
        ("SESSION_IDLE_MINUTES", "0", "SESSION_IDLE_MINUTES must be greater than zero"),
        ("ENVIRONMENT", "staging", "ENVIRONMENT must be one of"),
    ],
)
def test_a_malformed_setting_is_named_in_the_error(variable, value, phrase):
    with pytest.raises(SettingsError) as error:
        load_settings({variable: value})
    assert phrase in str(error.value)


def test_secrets_are_not_echoed_in_errors():
    with pytest.raises(SettingsError) as error:
        load_settings({"SECRET_KEY": "hunter2-tiny"})
    assert "hunter2" not in str(error.value)
    with pytest.raises(SettingsError) as error:
        load_settings({"DATABASE_URL": "mysql://admin:s3cretpw@db/x"})
    assert "s3cretpw" not in str(error.value)


def test_production_requires_a_real_secret_key_and_gets_secure_cookies():
    with pytest.raises(SettingsError, match="SECRET_KEY is required when ENVIRONMENT=production"):
        load_settings({"ENVIRONMENT": "production"})
    keys = {
        "ENCRYPTION_KEYS": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "BLIND_INDEX_KEY": "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=",
    }
    with pytest.raises(SettingsError, match="ENCRYPTION_KEYS is required"):
        load_settings({"ENVIRONMENT": "production", "SECRET_KEY": "k" * 40})
    settings = load_settings({"ENVIRONMENT": "production", "SECRET_KEY": "k" * 40, **keys})
    assert settings.secure_cookies


def test_the_command_fails_at_start_up_naming_the_setting():
    result = subprocess.run(
        [sys.executable, "-m", "feedback", "migrate"],
        env={"DATABASE_URL": "oracle://nope", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Configuration error: DATABASE_URL" in result.stderr


def test_malformed_encryption_keys_are_named_and_never_echoed():
    secret = "k1:" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"
    with pytest.raises(SettingsError, match=r"^ENCRYPTION_KEYS entry 1 \(k1\) must be 32") as error:
        load_settings({"ENCRYPTION_KEYS": secret})
    assert "c2VjcmV0" not in str(error.value)
    with pytest.raises(SettingsError, match=r"^BLIND_INDEX_KEY must be 32 random bytes"):
        load_settings({"BLIND_INDEX_KEY": "short"})
