"""Reviews a web page publishes as schema.org data: JSON-LD, microdata and RDFa. Pure.

Review sites and hospitals' own pages mark reviews up for search engines; that markup is a
far steadier target than each site's layout. All three syntaxes are read into the same shape
(JSON-LD-like dicts) so one set of rules turns them into `ReviewRecord`s.

Nothing here raises on a bad page: a broken block is skipped and named in `problems`, which
never quote the page (a review's words stay out of logs).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from integrations.reviews.records import (
    AggregateRating,
    PageReviews,
    ReviewRecord,
    clean_text,
    dedupe_reviews,
    drop_false_ids,
    normalise_rating,
    parse_timestamp,
)

# fmt: off
VOID_TAGS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
})
# Tags whose text is separated from its neighbours when read: "<p>Kind</p><p>Fast</p>" is
# two words, not "KindFast".
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "footer", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul",
})
# fmt: on
SKIPPED_TEXT_TAGS = frozenset({"script", "style", "template", "noscript"})
# A start tag that implicitly closes an open one of the same name (HTML's optional end tags).
SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})
URL_PROPERTIES = frozenset({"url", "sameAs", "mainEntityOfPage"})
SRC_TAGS = frozenset({"img", "audio", "video", "source", "iframe", "embed", "track"})
REVIEW_TYPES = frozenset({"Review", "UserReview", "CriticReview", "EmployerReview"})
# Generous limits that only hostile or broken pages reach; they keep recursion bounded.
MAX_HTML_DEPTH = 256
MAX_JSON_DEPTH = 64
MAX_TITLE_CHARS = 300
MAX_AUTHOR_CHARS = 200
BAD_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)")


# --- a small, forgiving element tree ----------------------------------------------------


@dataclass(eq=False, slots=True)
class _Element:
    tag: str
    attrs: dict[str, str]
    children: list[_Element | str] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.attrs.get(name, "")

    def has(self, name: str) -> bool:
        return name in self.attrs

    def child_elements(self) -> list[_Element]:
        return [child for child in self.children if isinstance(child, _Element)]


class _TreeBuilder(HTMLParser):
    """Builds an element tree the way browsers forgive: stray end tags are ignored and an end
    tag closes whatever was left open inside its element. On the way it notes the JSON-LD
    blocks, the <base> URL and the rel="next" links, which need no tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("#root", {})
        self._open = [self.root]
        self.json_ld: list[_Element] = []
        self.base_href = ""
        self.next_hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SELF_CLOSING_SIBLINGS and self._open[-1].tag == tag:
            self._open.pop()
        element = self._append(tag, attrs)
        if tag not in VOID_TAGS and len(self._open) < MAX_HTML_DEPTH:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._append(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, 0, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)

    def _append(self, tag: str, attrs: list[tuple[str, str | None]]) -> _Element:
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")  # the first of a repeated attribute wins
        element = _Element(tag, values)
        self._open[-1].children.append(element)
        if tag == "script" and _media_type(element) == "application/ld+json":
            self.json_ld.append(element)
        elif tag == "base" and not self.base_href:
            self.base_href = element.get("href").strip()
        elif tag in ("a", "link") and "next" in element.get("rel").lower().split():
            self.next_hrefs.append(element.get("href").strip())
        return element


def _media_type(element: _Element) -> str:
    return element.get("type").split(";")[0].strip().lower()


def _parse_html(html: str, problems: list[str]) -> _TreeBuilder:
    builder = _TreeBuilder()
    try:
        # "<![foo[" is a bogus comment to a browser but an exception to HTMLParser.
        builder.feed(BAD_MARKED_SECTION.sub("&lt;![", html))
        builder.close()
    except (AssertionError, ValueError):
        problems.append("the page's markup could not be read to the end; read what came before")
    return builder


def _text_of(element: _Element) -> str:
    """Visible text, with line breaks and block edges read as spaces."""
    parts: list[str] = []
    stack: list[_Element | str] = list(reversed(element.children))
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            parts.append(node)
        elif node.tag == "br":
            parts.append("\n")
        elif node.tag not in SKIPPED_TEXT_TAGS:
            separator = "\n" if node.tag in BLOCK_TAGS else ""
            stack.append(separator)
            stack.extend(reversed(node.children))
            parts.append(separator)
    return "".join(parts)


# --- reading each syntax into JSON-LD-like dicts ----------------------------------------


def _json_ld_blocks(scripts: list[_Element], problems: list[str]) -> list[object]:
    blocks: list[object] = []
    for number, script in enumerate(scripts, start=1):
        raw = "".join(child for child in script.children if isinstance(child, str)).strip()
        # Some CMSs wrap the block in an HTML comment or CDATA section for old browsers.
        raw = re.sub(r"^(<!--|//\s*<!\[CDATA\[)|(-->|//\s*\]\]>)$", "", raw).strip()
        if not raw:
            continue
        try:
            blocks.append(json.loads(raw))
        except json.JSONDecodeError as error:
            problems.append(
                f"JSON-LD block {number} is not valid JSON ({error.msg} at line {error.lineno})"
            )
        except RecursionError:
            problems.append(f"JSON-LD block {number} is nested too deeply to read")
    return blocks


@dataclass(frozen=True, slots=True)
class _Syntax:
    """Microdata and RDFa say the same things with different attribute names."""

    scope: str
    type: str
    prop: str
    ids: tuple[str, ...]


MICRODATA = _Syntax(scope="itemscope", type="itemtype", prop="itemprop", ids=("itemid",))
RDFA = _Syntax(scope="typeof", type="typeof", prop="property", ids=("resource", "about"))


def _items(root: _Element, syntax: _Syntax) -> list[dict[str, object]]:
    """Top-level items: scopes that are not some other item's property. A scope marked as a
    property with no item around it (a common slip) is taken as top-level too."""
    tops: list[_Element] = []
    stack: list[tuple[_Element, bool]] = [(root, False)]
    while stack:
        element, inside_scope = stack.pop()
        is_scope = element.has(syntax.scope)
        if is_scope and not (inside_scope and element.get(syntax.prop).strip()):
            tops.append(element)
        children = reversed(element.child_elements())
        stack.extend((child, inside_scope or is_scope) for child in children)
    return [_item(element, syntax, 0) for element in tops]


def _item(scope: _Element, syntax: _Syntax, depth: int) -> dict[str, object]:
    item: dict[str, object] = {"@type": scope.get(syntax.type).split()}
    for attribute in syntax.ids:
        if scope.get(attribute).strip():
            item["@id"] = scope.get(attribute).strip()
            break
    stack = list(reversed(scope.child_elements()))
    while stack:
        element = stack.pop()
        for name in map(_local_name, element.get(syntax.prop).split()):
            if element.has(syntax.scope) and depth < MAX_JSON_DEPTH:
                value: object = _item(element, syntax, depth + 1)
            else:
                value = _property_value(element, name)
            values = item.setdefault(name, [])
            if isinstance(values, list):
                values.append(value)
        if not element.has(syntax.scope):  # a nested item's properties are its own
            stack.extend(reversed(element.child_elements()))
    return item


def _property_value(element: _Element, name: str) -> str:
    if element.has("content"):
        return element.get("content")
    if element.tag == "time" and element.get("datetime"):
        return element.get("datetime")
    if element.tag == "link" or (element.tag in ("a", "area") and name in URL_PROPERTIES):
        return element.get("href")
    if element.tag in SRC_TAGS:
        return element.get("src")
    if element.tag in ("data", "meter") and element.has("value"):
        return element.get("value")
    return _text_of(element)


def _local_name(name: str) -> str:
    """'https://schema.org/Review', 'schema:Review' and 'Review' all name the same thing."""
    return re.split(r"[/#:]", name.strip())[-1]


# --- from dicts to records ---------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    reviews: list[dict[str, object]] = field(default_factory=list)
    aggregates: list[dict[str, object]] = field(default_factory=list)


def _walk(node: object, key: str, depth: int, found: _Found) -> None:
    """Finds Review and AggregateRating objects anywhere: top level, in @graph, or nested in
    the business they review. Objects without @type are judged by the key they sit under."""
    if depth > MAX_JSON_DEPTH:
        return
    if isinstance(node, list):
        for value in node:
            _walk(value, key, depth + 1, found)
        return
    if not isinstance(node, dict):
        return
    types = _types(node.get("@type"))
    if types & REVIEW_TYPES or (not types and key in ("review", "reviews")):
        found.reviews.append(node)
    elif "AggregateRating" in types or (not types and key == "aggregateRating"):
        found.aggregates.append(node)
    for child_key, value in node.items():
        if isinstance(value, dict | list):
            _walk(value, _local_name(str(child_key)), depth + 1, found)


def _types(value: object) -> set[str]:
    names = value if isinstance(value, list) else [value]
    return {_local_name(name) for name in names if isinstance(name, str)}


def _first(node: dict[str, object], *keys: str) -> object:
    """The first present value of the first key that has one (values may come as lists)."""
    for key in keys:
        value = node.get(key)
        if isinstance(value, list):
            value = next((item for item in value if item not in (None, "")), None)
        if isinstance(value, dict) and "@value" in value:  # a JSON-LD value object
            value = value["@value"]
        if value not in (None, ""):
            return value
    return None


def _text(node: dict[str, object], *keys: str) -> str:
    value = _first(node, *keys)
    return value if isinstance(value, str) else ""


def _rating(value: object) -> float | None:
    if isinstance(value, dict):
        return normalise_rating(
            _first(value, "ratingValue"), _first(value, "bestRating"), _first(value, "worstRating")
        )
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return normalise_rating(value)
    return None


def _author(value: object) -> str:
    if isinstance(value, list):
        value = next(iter(value), None)
    if isinstance(value, dict):
        name = _text(value, "name", "alternateName")
        given, family = _text(value, "givenName"), _text(value, "familyName")
        value = name or f"{given} {family}"
    return clean_text(value, MAX_AUTHOR_CHARS)


def _external_id(node: dict[str, object], base_url: str) -> str:
    node_id = _text(node, "@id")
    if node_id and not node_id.startswith("_:"):  # "_:b0" names a node only inside its block
        return urljoin(base_url, node_id)
    identifier = _first(node, "identifier")
    if isinstance(identifier, dict):
        identifier = _first(identifier, "value", "@id")
    if isinstance(identifier, str | int) and not isinstance(identifier, bool):
        return str(identifier).strip()
    url = _text(node, "url")
    return urljoin(base_url, url.strip()) if url.strip() else ""


def _review_from(node: dict[str, object], base_url: str, page_url: str) -> ReviewRecord | None:
    text = clean_text(_text(node, "reviewBody", "description", "text"))
    rating = _rating(_first(node, "reviewRating"))
    if not text and rating is None:
        return None
    # A review without its own link is shown where it was found: the page itself.
    link = _text(node, "url").strip()
    url = urljoin(base_url, link) if link else page_url
    return ReviewRecord(
        text=text,
        rating=rating,
        author=_author(_first(node, "author")),
        published_at=parse_timestamp(_text(node, "datePublished", "dateCreated")),
        url=url if urlsplit(url).scheme in ("http", "https") else page_url,
        external_id=_external_id(node, base_url),
        title=clean_text(_text(node, "name", "headline"), MAX_TITLE_CHARS),
        language=clean_text(_text(node, "inLanguage"), 35),
    )


def _aggregate_from(node: dict[str, object]) -> AggregateRating | None:
    rating = _rating(node)
    if rating is None:
        return None
    return AggregateRating(rating=rating, count=_count(_first(node, "ratingCount", "reviewCount")))


def _count(value: object) -> int | None:
    try:
        count = int(str(value).strip().replace(",", ""))
    except ValueError:
        return None
    return count if count >= 0 else None


# --- pagination and the entry point -------------------------------------------------------


def _next_pages(hrefs: list[str], base_url: str, page_url: str) -> list[str]:
    pages: list[str] = []
    for href in hrefs:
        url = urldefrag(urljoin(base_url, href)).url if href else ""
        is_web = urlsplit(url).scheme in ("http", "https")
        if is_web and url != urldefrag(page_url).url and url not in pages:
            pages.append(url)
    return pages


def extract_reviews(html: str, page_url: str) -> PageReviews:
    """Every review and the summary rating a page marks up with schema.org, plus its links to
    the next page of reviews. JSON-LD is read first, so when the same review is marked up
    twice its JSON-LD form (usually the fullest) is the one kept."""
    page = PageReviews()
    parsed = _parse_html(html, page.problems)
    base_url = urljoin(page_url, parsed.base_href) if parsed.base_href else page_url
    sources = [
        _json_ld_blocks(parsed.json_ld, page.problems),
        _items(parsed.root, MICRODATA),
        _items(parsed.root, RDFA),
    ]
    records: list[ReviewRecord] = []
    aggregates: list[dict[str, object]] = []
    for source in sources:
        found = _Found()
        _walk(source, "", 0, found)
        aggregates.extend(found.aggregates)
        reviews = (_review_from(node, base_url, page_url) for node in found.reviews)
        records.extend(drop_false_ids([r for r in reviews if r], listing_url=page_url))
    page.reviews = dedupe_reviews(records)
    ratings = (_aggregate_from(node) for node in aggregates)
    page.aggregate = next((rating for rating in ratings if rating), None)
    page.next_pages = _next_pages(parsed.next_hrefs, base_url, page_url)
    return page
