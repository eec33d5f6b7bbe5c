"""The executive summary as a PDF: a Jinja template, rendered by WeasyPrint, offline.

WeasyPrint follows every URL a document names (images, stylesheets, fonts). A report quotes
patients' comments, so a hostile comment must never make the server fetch anything: the
template autoescapes, and, as a second line, the fetcher below serves only the project's own
static files and refuses every other URL (network, other files, data: included).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from jinja2 import Environment
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TEMPLATE = "reports/summary_pdf.html"


class AssetsOnlyFetcher(URLFetcher):
    """Serves files under feedback/static and nothing else; remembers what it refused."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self._local(url)
        if path is None:
            self.refused.append(url)
            raise ValueError("the report renderer fetches only the project's own assets")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    def _local(self, url: str) -> Path | None:
        if not url.startswith("file://"):
            return None
        path = Path(url.removeprefix("file://").split("?", 1)[0].split("#", 1)[0]).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path


def summary_html(environment: Environment, context: dict[str, Any]) -> str:
    return environment.get_template(TEMPLATE).render(**context)


def render_pdf(html: str, fetcher: AssetsOnlyFetcher | None = None) -> bytes:
    fetcher = fetcher or AssetsOnlyFetcher()
    document = HTML(string=html, base_url=fetcher.root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf()
