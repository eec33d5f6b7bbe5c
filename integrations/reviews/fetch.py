"""The one way this product fetches anything from the web: polite, bounded and SSRF-safe.

- Only https outside development; redirects are followed by hand so every hop is checked.
- Every connection is checked *after* DNS resolution, inside the connection itself (so a name
  that resolves differently the second time cannot slip through): private, loopback,
  link-local, multicast and reserved addresses are refused, loopback only when a test says so.
- robots.txt is honoured (RFC 9309), including Crawl-delay; requests to one host are spaced.
- 429 and 503 are retried with backoff, honouring Retry-After up to a ceiling.
- Responses are streamed and cut off at a size cap; timeouts on connect, read and pool.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import random
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from integrations.reviews.robots import ROBOTS_MAX_BYTES, RobotsPolicy, parse_robots

ROBOTS_PRODUCT = "PatientFeedbackLoop"
RETRY_STATUSES = (429, 503)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class FetchError(Exception):
    """A fetch that did not yield a usable response. The message is safe to show admins."""


class BlockedAddress(FetchError):
    pass


class RobotsDisallowed(FetchError):
    pass


class ResponseTooLarge(FetchError):
    pass


class HttpStatusError(FetchError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    user_agent: str
    allow_http: bool = False
    allow_loopback: bool = False
    max_bytes: int = 5 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_attempts: int = 4
    backoff_base: float = 1.0
    max_retry_wait: float = 120.0
    host_interval: float = 1.0
    max_redirects: int = 5


def user_agent(version: str, contact_url: str) -> str:
    """Identifies the crawler and where its operator can be found, as site owners expect."""
    return f"{ROBOTS_PRODUCT}/{version} (+{contact_url})"


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes
    location: str = ""
    retry_after: str = ""

    def text(self) -> str:
        charset = "utf-8"
        for part in self.content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def address_refusal(address: str, *, allow_loopback: bool) -> str | None:
    """Why a connection to this IP address is refused, or None when it may go ahead."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "a non-public address"
    return None


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses non-public addresses, then connects to the checked
    address, so what was checked is what is connected to."""

    def __init__(self, allow_loopback: bool) -> None:
        self._allow_loopback = allow_loopback
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"could not resolve {host}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            refusal = address_refusal(address, allow_loopback=self._allow_loopback)
            if refusal:
                # Refuse when any address is non-public: a round-robin name could alternate.
                raise BlockedAddress(f"refused: {host} resolves to {refusal}")
        return await self._inner.connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refused: unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, allow_loopback: bool) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend; its pool does. httpx is pinned in pyproject.toml.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_CheckedBackend(allow_loopback),
            max_connections=10,
        )


Sleep = Callable[[float], Awaitable[None]]


class Fetcher:
    """One run's HTTP client: shares robots.txt answers and per-host spacing between every
    source fetched in the run. Use as `async with Fetcher(policy) as fetcher:`."""

    def __init__(self, policy: FetchPolicy, *, sleep: Sleep = asyncio.sleep) -> None:
        self.policy = policy
        self._sleep = sleep
        self._robots: dict[str, RobotsPolicy] = {}
        self._next_slot: dict[str, float] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        timeout = httpx.Timeout(
            self.policy.read_timeout,
            connect=self.policy.connect_timeout,
            pool=self.policy.connect_timeout,
        )
        self._client = httpx.AsyncClient(
            transport=_CheckedTransport(self.policy.allow_loopback),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": self.policy.user_agent},
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def get(
        self, url: str, *, headers: dict[str, str] | None = None, obey_robots: bool = True
    ) -> Fetched:
        """GET a URL within every rule above. API sources pass `obey_robots=False`: robots.txt
        governs crawlers, not authorised API clients."""
        for _ in range(self.policy.max_redirects + 1):
            self._check_scheme(url)
            if obey_robots and not (await self._robots_for(url)).allows(url):
                raise RobotsDisallowed("refused: robots.txt disallows this address for us")
            fetched = await self._get_with_retries(url, headers or {}, obey_robots)
            if fetched.status not in REDIRECT_STATUSES:
                return fetched
            url = urljoin(url, fetched.location)
        raise FetchError(f"gave up after {self.policy.max_redirects} redirects")

    def _check_scheme(self, url: str) -> None:
        scheme = urlsplit(url).scheme
        allowed = ("https", "http") if self.policy.allow_http else ("https",)
        if scheme not in allowed:
            raise BlockedAddress(f"refused: only {' or '.join(allowed)} addresses are fetched")

    async def _robots_for(self, url: str) -> RobotsPolicy:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = await self._load_robots(origin)
        return self._robots[origin]

    async def _load_robots(self, origin: str) -> RobotsPolicy:
        # RFC 9309 §2.3.1: 4xx means no rules; an unreachable or failing robots.txt means
        # assume complete disallow until it can be read.
        try:
            fetched = await self._get_with_retries(f"{origin}/robots.txt", {}, True)
            hops = 0
            while fetched.status in REDIRECT_STATUSES and hops < self.policy.max_redirects:
                target = urljoin(f"{origin}/robots.txt", fetched.location)
                self._check_scheme(target)
                fetched = await self._get_with_retries(target, {}, True)
                hops += 1
        except HttpStatusError as exc:
            return RobotsPolicy.allow_all() if 400 <= exc.status < 500 else _disallowed()
        except ResponseTooLarge:
            return _disallowed()
        except BlockedAddress:
            raise
        except FetchError:
            return _disallowed()
        if 200 <= fetched.status < 300:
            return parse_robots(
                fetched.body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace"), ROBOTS_PRODUCT
            )
        return _disallowed()

    async def _get_with_retries(self, url: str, headers: dict[str, str], polite: bool) -> Fetched:
        policy = self.policy
        for attempt in range(1, policy.max_attempts + 1):
            await self._wait_for_slot(url, polite)
            try:
                fetched = await self._read_once(url, headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt == policy.max_attempts:
                    raise FetchError(f"could not reach the site ({type(exc).__name__})") from exc
                await self._sleep(self._backoff(attempt))
                continue
            if fetched.status in RETRY_STATUSES:
                if attempt == policy.max_attempts:
                    raise HttpStatusError(
                        f"the site answered {fetched.status} {policy.max_attempts} times",
                        fetched.status,
                    )
                wait = retry_after_seconds(fetched.retry_after) or self._backoff(attempt)
                if wait > policy.max_retry_wait:
                    raise HttpStatusError(
                        f"the site answered {fetched.status} and asked us to wait "
                        f"{wait:.0f} s, longer than {policy.max_retry_wait:.0f} s",
                        fetched.status,
                    )
                await self._sleep(wait)
                continue
            if fetched.status >= 400:
                raise HttpStatusError(f"the site answered {fetched.status}", fetched.status)
            return fetched
        raise FetchError("no attempts were made")  # unreachable with max_attempts >= 1

    async def _read_once(self, url: str, headers: dict[str, str]) -> Fetched:
        """One request, its body read up to the size cap; redirects are returned, not followed."""
        assert self._client is not None, "use Fetcher as an async context manager"
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("location", "")
                if not location:
                    raise FetchError(f"the site answered {response.status_code} with nowhere to go")
                return Fetched(url, response.status_code, "", b"", location=location)
            if response.status_code in RETRY_STATUSES:
                retry_after = response.headers.get("retry-after", "")
                return Fetched(url, response.status_code, "", b"", retry_after=retry_after)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise ResponseTooLarge(self._too_large())
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.policy.max_bytes:
                    raise ResponseTooLarge(self._too_large())
            return Fetched(
                str(response.url),
                response.status_code,
                response.headers.get("content-type", ""),
                bytes(body),
            )

    def _too_large(self) -> str:
        return f"refused: the response is larger than {self.policy.max_bytes // 1024} KiB"

    async def _wait_for_slot(self, url: str, polite: bool) -> None:
        host = urlsplit(url).netloc.lower()
        interval = self.policy.host_interval
        if polite:
            robots = self._robots.get(f"{urlsplit(url).scheme}://{host}")
            if robots is not None and robots.crawl_delay:
                interval = max(interval, robots.crawl_delay)
        now = time.monotonic()
        slot = self._next_slot.get(host, now)
        if slot > now:
            await self._sleep(slot - now)
        self._next_slot[host] = max(slot, now) + interval

    def _backoff(self, attempt: int) -> float:
        # Full jitter keeps several workers from retrying in step.
        return self.policy.backoff_base * (2 ** (attempt - 1)) * (0.5 + random.random() / 2)


def _disallowed() -> RobotsPolicy:
    return RobotsPolicy.disallow_all()


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
