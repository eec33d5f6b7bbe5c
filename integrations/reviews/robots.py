"""robots.txt as RFC 9309 defines it, plus the widely used Crawl-delay extension.

The standard library's `urllib.robotparser` takes the first matching rule and knows no `*` or
`$` wildcards; RFC 9309 wants the longest match to win (allow on a tie) and both wildcards, so
the few lines it takes are written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

# RFC 9309 §2.5: crawlers must parse at least 500 KiB; anything after it may be ignored.
ROBOTS_MAX_BYTES = 500 * 1024


@dataclass(frozen=True, slots=True)
class _Rule:
    allow: bool
    pattern: str
    regex: re.Pattern[str]


@dataclass(slots=True)
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None


@dataclass(frozen=True, slots=True)
class RobotsPolicy:
    """The rules that apply to one user agent on one host."""

    rules: tuple[_Rule, ...] = ()
    crawl_delay: float | None = None

    @classmethod
    def allow_all(cls) -> RobotsPolicy:
        return cls()

    @classmethod
    def disallow_all(cls) -> RobotsPolicy:
        return cls(rules=(_make_rule(False, "/"),))

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        path = _normalise_path(parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        best: _Rule | None = None
        for rule in self.rules:
            if not rule.regex.match(path):
                continue
            if (
                best is None
                or len(rule.pattern) > len(best.pattern)
                or (len(rule.pattern) == len(best.pattern) and rule.allow and not best.allow)
            ):
                best = rule
        # /robots.txt itself is always allowed (RFC 9309 §2.2.2).
        return best is None or best.allow or parts.path == "/robots.txt"


def parse_robots(text: str, product_token: str) -> RobotsPolicy:
    """The policy for `product_token`: the groups naming it (case-insensitively), merged;
    otherwise the `*` groups; otherwise everything is allowed."""
    groups = _groups(text[:ROBOTS_MAX_BYTES])
    token = product_token.lower()
    chosen = [g for g in groups if token in g.agents] or [g for g in groups if "*" in g.agents]
    rules = tuple(rule for group in chosen for rule in group.rules)
    delays = [g.crawl_delay for g in chosen if g.crawl_delay is not None]
    return RobotsPolicy(rules=rules, crawl_delay=max(delays) if delays else None)


def _groups(text: str) -> list[_Group]:
    groups: list[_Group] = []
    current: _Group | None = None
    in_agent_lines = False
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            # Consecutive user-agent lines open one group together (RFC 9309 §2.1).
            if current is None or not in_agent_lines:
                current = _Group()
                groups.append(current)
            current.agents.append(value.lower())
            in_agent_lines = True
            continue
        in_agent_lines = False
        if current is None:
            continue  # rules before any user-agent line belong to no group
        if key in ("allow", "disallow"):
            if value:  # an empty Disallow allows everything: no rule at all
                current.rules.append(_make_rule(key == "allow", value))
        elif key == "crawl-delay":
            try:
                delay = float(value)
            except ValueError:
                continue
            if delay >= 0:
                current.crawl_delay = delay
    return groups


def _normalise_path(path: str) -> str:
    # Compare in one encoding: percent-encode what is not already encoded (RFC 9309 §2.2.2).
    return quote(unquote(path), safe="/%*$?=&;:@!,+~-._")


def _make_rule(allow: bool, pattern: str) -> _Rule:
    pattern = _normalise_path(pattern)
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return _Rule(allow, pattern, re.compile(regex + ("$" if anchored else "")))
