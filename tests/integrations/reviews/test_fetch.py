"""The fetcher against a real HTTP server on loopback: robots.txt, retries, size caps, SSRF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from integrations.reviews.fetch import (
    BlockedAddress,
    Fetcher,
    FetchError,
    FetchPolicy,
    HttpStatusError,
    ResponseTooLarge,
    RobotsDisallowed,
    address_refusal,
    retry_after_seconds,
)
from tests.servers import ReviewSite, respond, stream_bytes

UA = "PatientFeedbackLoop/0.1 (+https://hospital.example/about-reviews)"


@pytest.fixture
def site() -> Iterator[ReviewSite]:
    server = ReviewSite().start()
    yield server
    server.stop()


class Sleeps:
    """Records the waits the fetcher asks for instead of spending them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def policy(**overrides: object) -> FetchPolicy:
    values: dict[str, object] = {
        "user_agent": UA,
        "allow_http": True,
        "allow_loopback": True,
        "host_interval": 0.0,
        "backoff_base": 0.01,
    }
    values.update(overrides)
    return FetchPolicy(**values)  # type: ignore[arg-type]


async def test_fetches_with_an_identifying_user_agent_and_reads_robots_first(
    site: ReviewSite,
) -> None:
    site.page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    site.page("/reviews", "<html>ok</html>")
    async with Fetcher(policy()) as fetcher:
        fetched = await fetcher.get(site.url("/reviews"))
    assert fetched.status == 200
    assert fetched.text() == "<html>ok</html>"
    assert site.paths() == ["/robots.txt", "/reviews"]
    assert {agent for _, agent, _ in site.requests} == {UA}


async def test_robots_disallow_for_our_product_token_is_honoured(site: ReviewSite) -> None:
    site.page(
        "/robots.txt",
        "User-agent: *\nDisallow:\n\nUser-agent: PatientFeedbackLoop\nDisallow: /private/\n",
        content_type="text/plain",
    )
    site.page("/private/reviews", "<html>secret</html>")
    site.page("/public/reviews", "<html>fine</html>")
    async with Fetcher(policy()) as fetcher:
        with pytest.raises(RobotsDisallowed):
            await fetcher.get(site.url("/private/reviews"))
        assert (await fetcher.get(site.url("/public/reviews"))).status == 200
    # robots.txt is read once per host per run, and the disallowed page is never requested.
    assert site.paths() == ["/robots.txt", "/public/reviews"]


async def test_missing_robots_allows_and_failing_robots_disallows(site: ReviewSite) -> None:
    site.page("/reviews", "<html>ok</html>")
    async with Fetcher(policy()) as fetcher:
        assert (await fetcher.get(site.url("/reviews"))).status == 200  # robots.txt is a 404

    site.routes["/robots.txt"] = lambda handler: respond(handler, 500)
    async with Fetcher(policy(max_attempts=1)) as fetcher:
        with pytest.raises(RobotsDisallowed):
            await fetcher.get(site.url("/reviews"))


async def test_crawl_delay_spaces_requests_to_one_host(site: ReviewSite) -> None:
    site.page("/robots.txt", "User-agent: *\nCrawl-delay: 7\n", content_type="text/plain")
    site.page("/a", "a")
    site.page("/b", "b")
    sleeps = Sleeps()
    async with Fetcher(policy(host_interval=0.5), sleep=sleeps) as fetcher:
        await fetcher.get(site.url("/a"))
        await fetcher.get(site.url("/b"))
    # The wait before /b is the crawl delay (7 s), not the shorter default interval.
    assert len(sleeps.waits) >= 1
    assert max(sleeps.waits) == pytest.approx(7, abs=0.5)


async def test_429_with_retry_after_is_retried_after_the_asked_wait(site: ReviewSite) -> None:
    site.sequence(
        "/reviews",
        lambda handler: respond(handler, 429, headers={"Retry-After": "3"}),
        lambda handler: respond(handler, 200, b"<html>now</html>"),
    )
    sleeps = Sleeps()
    async with Fetcher(policy(), sleep=sleeps) as fetcher:
        fetched = await fetcher.get(site.url("/reviews"))
    assert fetched.text() == "<html>now</html>"
    assert 3.0 in sleeps.waits
    assert site.paths().count("/reviews") == 2


async def test_503_is_retried_with_backoff_then_reported(site: ReviewSite) -> None:
    site.routes["/reviews"] = lambda handler: respond(handler, 503)
    sleeps = Sleeps()
    async with Fetcher(policy(max_attempts=3), sleep=sleeps) as fetcher:
        with pytest.raises(HttpStatusError) as raised:
            await fetcher.get(site.url("/reviews"))
    assert raised.value.status == 503
    assert site.paths().count("/reviews") == 3
    assert len(sleeps.waits) == 2


async def test_a_retry_after_beyond_the_ceiling_is_not_waited_for(site: ReviewSite) -> None:
    site.routes["/reviews"] = lambda h: respond(h, 429, headers={"Retry-After": "86400"})
    sleeps = Sleeps()
    async with Fetcher(policy(max_retry_wait=60), sleep=sleeps) as fetcher:
        with pytest.raises(HttpStatusError, match="asked us to wait"):
            await fetcher.get(site.url("/reviews"))
    assert 86400 not in sleeps.waits


@pytest.mark.parametrize("declare_length", [True, False])
async def test_a_50_mb_response_is_cut_off_at_the_cap(
    site: ReviewSite, declare_length: bool
) -> None:
    site.routes["/huge"] = stream_bytes(50 * 1024 * 1024, declare_length=declare_length)
    async with Fetcher(policy(max_bytes=1024 * 1024)) as fetcher:
        with pytest.raises(ResponseTooLarge):
            await fetcher.get(site.url("/huge"))


async def test_a_redirect_to_a_private_address_is_refused(site: ReviewSite) -> None:
    site.routes["/moved"] = lambda h: respond(
        h, 302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    site.routes["/moved-private"] = lambda h: respond(
        h, 301, headers={"Location": "http://10.1.2.3/admin"}
    )
    async with Fetcher(policy()) as fetcher:
        with pytest.raises(BlockedAddress, match="link-local"):
            await fetcher.get(site.url("/moved"))
        with pytest.raises(BlockedAddress, match="private"):
            await fetcher.get(site.url("/moved-private"))


async def test_a_redirect_within_the_site_is_followed(site: ReviewSite) -> None:
    site.routes["/old"] = lambda h: respond(h, 301, headers={"Location": "/new"})
    site.page("/new", "<html>new</html>")
    async with Fetcher(policy()) as fetcher:
        fetched = await fetcher.get(site.url("/old"))
    assert fetched.url == site.url("/new")
    assert fetched.text() == "<html>new</html>"


async def test_loopback_is_refused_unless_allowed_and_http_outside_development(
    site: ReviewSite,
) -> None:
    site.page("/reviews", "ok")
    async with Fetcher(policy(allow_loopback=False)) as fetcher:
        with pytest.raises(BlockedAddress, match="loopback"):
            await fetcher.get(site.url("/reviews"))
    async with Fetcher(policy(allow_http=False)) as fetcher:
        with pytest.raises(BlockedAddress, match="only https"):
            await fetcher.get(site.url("/reviews"))
        with pytest.raises(BlockedAddress, match="only https"):
            await fetcher.get("file:///etc/passwd")
    # Nothing reached the server: the checks happen before any connection.
    assert site.requests == []


async def test_a_name_resolving_to_loopback_is_refused_after_resolution(
    site: ReviewSite,
) -> None:
    port = site.base_url.rsplit(":", 1)[1]
    async with Fetcher(policy(allow_loopback=False)) as fetcher:
        with pytest.raises(BlockedAddress, match="localhost resolves to a loopback"):
            await fetcher.get(f"http://localhost:{port}/reviews")
    assert site.requests == []


async def test_an_unreachable_site_is_a_clear_fetch_error() -> None:
    from tests.servers import free_port

    async with Fetcher(policy(max_attempts=2)) as fetcher:
        with pytest.raises(FetchError, match="could not reach the site"):
            await fetcher.get(f"http://127.0.0.1:{free_port()}/reviews", obey_robots=False)


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.5", "a private address"),
        ("192.168.1.1", "a private address"),
        ("172.16.0.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("0.0.0.0", "a private address"),  # noqa: S104 - the address under test
        ("224.0.0.1", "a non-public address"),
        ("100.64.0.1", "a non-public address"),
    ],
)
def test_address_policy(address: str, refusal: str | None) -> None:
    assert address_refusal(address, allow_loopback=False) == refusal


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Sat, 28 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Sat, 28 Nov 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("") is None
