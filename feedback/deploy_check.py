"""`feedback check --deploy`: refuse settings that are unsafe in production. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

from feedback.settings import DEVELOPMENT_SECRET_KEY, Settings

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def deploy_problems(settings: Settings) -> list[str]:
    """Every reason these settings are not fit for production, each saying what to change."""
    problems: list[str] = []
    if settings.environment != "production":
        problems.append(
            "ENVIRONMENT is not production: cookies are not marked Secure and HSTS is off."
        )
    if settings.secret_key == DEVELOPMENT_SECRET_KEY:
        problems.append("SECRET_KEY is the development default: set a long random secret.")
    base = urlsplit(settings.base_url)
    if base.scheme != "https":
        problems.append("BASE_URL is not https: links in emails would travel in the clear.")
    smtp = urlsplit(settings.smtp_url)
    if smtp.scheme == "smtp" and smtp.hostname not in LOOPBACK_HOSTS:
        problems.append(
            "SMTP_URL sends mail unencrypted to another host: use smtps:// or "
            "smtp+starttls:// (certificates are verified)."
        )
    required = {role.strip() for role in settings.mfa_required_roles.split(",") if role.strip()}
    if not {"admin", "lead"} <= required:
        problems.append(
            "MFA_REQUIRED_ROLES leaves admins or leads signing in without a second step: "
            "include admin and lead."
        )
    if settings.review_fetch_allow_loopback:
        problems.append(
            "REVIEW_FETCH_ALLOW_LOOPBACK is on: the review fetcher could be pointed at this "
            "machine's own services. Switch it off outside tests."
        )
    problems += key_problems(settings)
    return problems


# Random 32-byte keys have ~30 distinct byte values; a typed or patterned "key" has far fewer.
MIN_DISTINCT_KEY_BYTES = 16


def key_problems(settings: Settings) -> list[str]:
    """Missing, weak or reused encryption and blind-index keys (their values never shown)."""
    problems = []
    if not settings.encryption_keys:
        problems.append(
            "ENCRYPTION_KEYS is not set: patient details are encrypted with a key derived from "
            "SECRET_KEY. Set ID:BASE64 keys of 32 random bytes."
        )
    if not settings.blind_index_key_base64:
        problems.append(
            "BLIND_INDEX_KEY is not set: patient lookups and the unsubscribe list use a key "
            "derived from SECRET_KEY. Set 32 random bytes in base64 (never rotate it)."
        )
    keyring = settings.keyring
    keys = [*keyring.keys.items(), ("BLIND_INDEX_KEY", keyring.index_key)]
    for name, key in keys:
        if len(set(key)) < MIN_DISTINCT_KEY_BYTES:
            problems.append(f"Key {name!r} does not look random: generate it with os.urandom(32).")
    if len({key for _, key in keys}) < len(keys):
        problems.append("The same key is used twice in ENCRYPTION_KEYS / BLIND_INDEX_KEY.")
    return problems
