"""Collectors: one per kind of review source, each returning plain records for one run.

A page source walks a provider's profile pages (following rel="next", same site only); the
Google Business Profile and Yelp sources page through their documented APIs. A page after the
first that fails is reported and skipped; a first page that fails fails the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from integrations.reviews.apis import parse_google_reviews, parse_yelp_reviews
from integrations.reviews.extract import extract_reviews
from integrations.reviews.fetch import Fetcher, FetchError, RobotsDisallowed
from integrations.reviews.records import AggregateRating, PageReviews, ReviewRecord

GOOGLE_API = "https://mybusiness.googleapis.com"
YELP_API = "https://api.yelp.com"
DEFAULT_MAX_PAGES = 20


@dataclass(slots=True)
class Collected:
    """What one source yielded in one run."""

    reviews: list[ReviewRecord] = field(default_factory=list)
    aggregate: AggregateRating | None = None
    pages: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, page: PageReviews) -> None:
        self.pages += 1
        self.reviews.extend(page.reviews)
        self.aggregate = page.aggregate or self.aggregate
        self.problems.extend(page.problems)


async def collect_pages(
    fetcher: Fetcher, start_url: str, *, max_pages: int = DEFAULT_MAX_PAGES
) -> Collected:
    collected = Collected()
    origin = _origin(start_url)
    queue, seen = [start_url], {start_url}
    while queue and collected.pages < max_pages:
        url = queue.pop(0)
        try:
            fetched = await fetcher.get(url)
        except RobotsDisallowed:
            if collected.pages == 0:
                raise
            continue  # the site asked crawlers to stay out of that page: not a failure
        except FetchError as exc:
            if collected.pages == 0:
                raise
            collected.problems.append(f"{url}: {exc}")
            continue
        page = extract_reviews(fetched.text(), fetched.url)
        collected.add(page)
        for link in page.next_pages:
            # Pagination stays on the provider's site: a "next" link elsewhere is not followed.
            if link not in seen and _origin(link) == origin:
                seen.add(link)
                queue.append(link)
    if queue:
        collected.problems.append(f"stopped after {max_pages} pages")
    return collected


async def collect_google(
    fetcher: Fetcher,
    *,
    account_id: str,
    location_id: str,
    token: str,
    api_base: str = GOOGLE_API,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> Collected:
    """Reviews of the hospital's own verified location (Business Profile API v4)."""
    if not token:
        raise FetchError("no Google Business Profile token is configured (GOOGLE_BUSINESS_TOKEN)")
    base = (
        f"{api_base.rstrip('/')}/v4/accounts/{quote(account_id, safe='')}"
        f"/locations/{quote(location_id, safe='')}/reviews"
    )
    collected = Collected()
    page_token: str | None = ""
    while page_token is not None and collected.pages < max_pages:
        query = {"pageSize": "50", **({"pageToken": page_token} if page_token else {})}
        payload = await _get_json(fetcher, f"{base}?{urlencode(query)}", token)
        page, page_token = parse_google_reviews(payload)
        collected.add(page)
    return collected


async def collect_yelp(
    fetcher: Fetcher,
    *,
    business_id: str,
    api_key: str,
    api_base: str = YELP_API,
    max_pages: int = 5,
) -> Collected:
    """Yelp Fusion's reviews endpoint, paged by offset until its `total` is reached."""
    if not api_key:
        raise FetchError("no Yelp API key is configured (YELP_API_KEY)")
    base = f"{api_base.rstrip('/')}/v3/businesses/{quote(business_id, safe='')}/reviews"
    collected = Collected()
    offset = 0
    while collected.pages < max_pages:
        query = urlencode({"limit": "50", "offset": str(offset), "sort_by": "newest"})
        payload = await _get_json(fetcher, f"{base}?{query}", api_key)
        page = parse_yelp_reviews(payload)
        collected.add(page)
        # Advance by what the API returned, not by what parsed: a skipped entry still counts.
        returned = len(payload.get("reviews") or [])
        offset += returned
        total = payload.get("total")
        if not returned or not isinstance(total, int) or offset >= total:
            break
    return collected


async def _get_json(fetcher: Fetcher, url: str, bearer: str) -> Any:
    fetched = await fetcher.get(
        url,
        headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
        obey_robots=False,
    )
    try:
        return json.loads(fetched.body)
    except ValueError as exc:
        raise FetchError("the API answered with something that is not JSON") from exc


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"
