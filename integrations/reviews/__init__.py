"""Online reviews: polite, SSRF-safe fetching and parsers that return plain records.

Nothing here stores anything: the feedback floor turns records into feedback items.
"""

from integrations.reviews.apis import ReviewFormatError
from integrations.reviews.csv_import import CsvProblem, ReviewCsvError, parse_review_csv
from integrations.reviews.fetch import Fetcher, FetchError, FetchPolicy, user_agent
from integrations.reviews.records import AggregateRating, ReviewRecord, content_hash
from integrations.reviews.sources import (
    GOOGLE_API,
    YELP_API,
    Collected,
    collect_google,
    collect_pages,
    collect_yelp,
)

__all__ = [
    "GOOGLE_API",
    "YELP_API",
    "AggregateRating",
    "Collected",
    "CsvProblem",
    "FetchError",
    "FetchPolicy",
    "Fetcher",
    "ReviewCsvError",
    "ReviewFormatError",
    "ReviewRecord",
    "collect_google",
    "collect_pages",
    "collect_yelp",
    "content_hash",
    "parse_review_csv",
    "user_agent",
]
