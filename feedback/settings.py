"""The one typed settings object, read from the environment once.

Every field is documented here and in the README's configuration table (a test keeps the two in
step). A missing or malformed value fails at start-up with a message that names the variable.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from integrations.crypto import (
    KEY_HINT,
    KeyConfigError,
    KeyRing,
    decode_key,
    parse_encryption_keys,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "feedback.sqlite3"
# Only ever used when ENVIRONMENT=development: load_settings() demands SECRET_KEY elsewhere.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me-0123456789"  # noqa: S105
ENVIRONMENTS = ("development", "test", "production")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


@dataclasses.dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = "smtp://127.0.0.1:8025"
    mail_from: str = "Patient Experience <no-reply@localhost>"
    session_idle_minutes: int = 15
    session_absolute_hours: int = 12
    database_pool_size: int = 10
    sqlite_busy_timeout_ms: int = 5000
    log_level: str = "INFO"
    dispatch_in_process: bool = True
    survey_reminder_days: int = 5
    kiosk_limit_per_hour: int = 30
    review_host_interval_seconds: int = 2
    review_fetch_allow_loopback: bool = False
    google_business_token: str = ""
    google_business_api_url: str = "https://mybusiness.googleapis.com"
    yelp_api_key: str = ""
    yelp_api_url: str = "https://api.yelp.com"
    # PHI encryption at rest. Empty means "derive from SECRET_KEY", which load_settings() allows
    # only in development and test (see docs/decisions.md).
    encryption_keys: str = ""
    blind_index_key_base64: str = ""
    trusted_proxies: str = ""
    mfa_required_roles: str = "admin,lead"
    retention_days: int = 0

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def secure_cookies(self) -> bool:
        # Browsers refuse Secure cookies over plain http://127.0.0.1, so development and the
        # test suite run without the flag; everything else gets it.
        return self.environment == "production"

    @property
    def blind_index_key(self) -> bytes:
        """Key for blind indexes (the suppression list, patient email and MRN lookups).

        BLIND_INDEX_KEY when set; otherwise derived from SECRET_KEY, as it always was, so a
        development database keeps its suppression list."""
        if self.blind_index_key_base64:
            return decode_key(self.blind_index_key_base64, "BLIND_INDEX_KEY")
        return derived_blind_index_key(self.secret_key)

    @functools.cached_property
    def keyring(self) -> KeyRing:  # cached per Settings object: parsing once is enough
        """The PHI encryption keys (first = current) and the blind-index key."""
        keys = self.encryption_keys or derived_encryption_keys(self.secret_key)
        return KeyRing(parse_encryption_keys(keys), self.blind_index_key)

    @property
    def sqlite_path(self) -> Path:
        if not self.is_sqlite:
            raise SettingsError("DATABASE_URL is not a SQLite URL")
        return Path(self.database_url.removeprefix("sqlite:///"))


def derived_blind_index_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"blind-index-v1", hashlib.sha256).digest()


def derived_encryption_keys(secret_key: str) -> str:
    """The development/test key ring: one key, id `dev`, derived from SECRET_KEY."""
    key = hmac.new(secret_key.encode(), b"encryption-key-v1", hashlib.sha256).digest()
    return f"dev:{base64.b64encode(key).decode()}"


# Environment variable -> (field, parser). Parsers raise ValueError with a human reason.
def _parse_environment(value: str) -> str:
    if value not in ENVIRONMENTS:
        raise ValueError(f"must be one of {', '.join(ENVIRONMENTS)}")
    return value


def _parse_database_url(value: str) -> str:
    if value.startswith("sqlite:///"):
        path = value.removeprefix("sqlite:///")
        if not path:
            raise ValueError("sqlite URL needs a file path, e.g. sqlite:///var/feedback.sqlite3")
        return f"sqlite:///{Path(path).expanduser().resolve()}"
    parts = urlsplit(value)
    if parts.scheme in ("postgresql", "postgres") and parts.hostname and parts.path.strip("/"):
        return value
    raise ValueError("must be sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE")


def _parse_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value.rstrip("/")


def _parse_smtp_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
        raise ValueError("must look like smtp://HOST:PORT, smtps://… or smtp+starttls://…")
    try:
        parts.port  # noqa: B018 - raises ValueError on a non-numeric port
    except ValueError as exc:
        raise ValueError("has a port that is not a number") from exc
    return value


def _parse_secret_key(value: str) -> str:
    if len(value) < 32:
        raise ValueError(
            "must be at least 32 characters "
            "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return value


def _parse_positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise ValueError("must be a whole number") from exc
    if number <= 0:
        raise ValueError("must be greater than zero")
    return number


def _parse_non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise ValueError("must be a whole number") from exc
    if number < 0:
        raise ValueError("must be zero or more")
    return number


def _parse_encryption_keys(value: str) -> str:
    try:
        parse_encryption_keys(value)
    except KeyConfigError as exc:
        raise ValueError(str(exc)) from None
    return value


def _parse_blind_index_key(value: str) -> str:
    try:
        decode_key(value, "BLIND_INDEX_KEY")
    except KeyConfigError:
        raise ValueError(f"must be {KEY_HINT}") from None
    return value


def _parse_log_level(value: str) -> str:
    level = value.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _parse_mail_from(value: str) -> str:
    if "@" not in value:
        raise ValueError("must contain an email address")
    return value


def _parse_roles(value: str) -> str:
    if value.lower() == "none":  # an empty variable means "unset", so "none" says no one
        return ""
    roles = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [role for role in roles if role not in ("admin", "executive", "lead", "staff")]
    if unknown:
        raise ValueError(f"names {unknown[0]!r}; roles are admin, executive, lead and staff")
    return ",".join(roles)


def _parse_trusted_proxies(value: str) -> str:
    from feedback.web.proxies import parse_networks

    parse_networks(value)  # raises ValueError naming the bad entry
    return value


ENVIRONMENT_VARIABLES: dict[str, tuple[str, object]] = {
    "ENVIRONMENT": ("environment", _parse_environment),
    "DATABASE_URL": ("database_url", _parse_database_url),
    "SECRET_KEY": ("secret_key", _parse_secret_key),
    "BASE_URL": ("base_url", _parse_http_url),
    "SMTP_URL": ("smtp_url", _parse_smtp_url),
    "MAIL_FROM": ("mail_from", _parse_mail_from),
    "SESSION_IDLE_MINUTES": ("session_idle_minutes", _parse_positive_int),
    "SESSION_ABSOLUTE_HOURS": ("session_absolute_hours", _parse_positive_int),
    "DATABASE_POOL_SIZE": ("database_pool_size", _parse_positive_int),
    "SQLITE_BUSY_TIMEOUT_MS": ("sqlite_busy_timeout_ms", _parse_positive_int),
    "LOG_LEVEL": ("log_level", _parse_log_level),
    "DISPATCH_IN_PROCESS": ("dispatch_in_process", _parse_bool),
    "SURVEY_REMINDER_DAYS": ("survey_reminder_days", _parse_non_negative_int),
    "KIOSK_LIMIT_PER_HOUR": ("kiosk_limit_per_hour", _parse_positive_int),
    "REVIEW_HOST_INTERVAL_SECONDS": ("review_host_interval_seconds", _parse_non_negative_int),
    "REVIEW_FETCH_ALLOW_LOOPBACK": ("review_fetch_allow_loopback", _parse_bool),
    "GOOGLE_BUSINESS_TOKEN": ("google_business_token", str),
    "GOOGLE_BUSINESS_API_URL": ("google_business_api_url", _parse_http_url),
    "YELP_API_KEY": ("yelp_api_key", str),
    "YELP_API_URL": ("yelp_api_url", _parse_http_url),
    "ENCRYPTION_KEYS": ("encryption_keys", _parse_encryption_keys),
    "BLIND_INDEX_KEY": ("blind_index_key_base64", _parse_blind_index_key),
    "TRUSTED_PROXIES": ("trusted_proxies", _parse_trusted_proxies),
    "MFA_REQUIRED_ROLES": ("mfa_required_roles", _parse_roles),
    "RETENTION_DAYS": ("retention_days", _parse_non_negative_int),
}


SECRET_VARIABLES = (
    "SECRET_KEY",
    "GOOGLE_BUSINESS_TOKEN",
    "YELP_API_KEY",
    "ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
)
# Outside development and test these must be set: keys derived from SECRET_KEY would tie every
# stored patient detail to the key that signs cookies (and rotating one would lose the other).
KEY_VARIABLES = {"ENCRYPTION_KEYS": "encryption_keys", "BLIND_INDEX_KEY": "blind_index_key_base64"}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from `environ` (default: the process environment).

    Outside development a real SECRET_KEY is required: a default key would let anyone forge
    sessions and CSRF tokens.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for variable, (field, parse) in ENVIRONMENT_VARIABLES.items():
        raw = environ.get(variable)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[field] = parse(raw.strip())  # type: ignore[operator]
        except ValueError as exc:
            raise SettingsError(f"{variable} {exc} (got {_describe(variable, raw)})") from None
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.is_development and "secret_key" not in values:
        raise SettingsError(f"SECRET_KEY is required when ENVIRONMENT={settings.environment}")
    if settings.environment not in ("development", "test"):
        for variable, field in KEY_VARIABLES.items():
            if field not in values:
                raise SettingsError(
                    f"{variable} is required when ENVIRONMENT={settings.environment} "
                    "(see the README's configuration table)"
                )
    return settings


def _describe(variable: str, raw: str) -> str:
    # Never echo secrets or credentials back into logs or terminals.
    if variable in SECRET_VARIABLES:
        return f"{len(raw)} characters"
    if variable in ("DATABASE_URL", "SMTP_URL"):
        parts = urlsplit(raw)
        return f"scheme {parts.scheme or 'missing'!r}"
    return repr(raw)
