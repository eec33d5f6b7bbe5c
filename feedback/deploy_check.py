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
    if settings.review_fetch_allow_loopback:
        problems.append(
            "REVIEW_FETCH_ALLOW_LOOPBACK is on: the review fetcher could be pointed at this "
            "machine's own services. Switch it off outside tests."
        )
    return problems
