"""Faster long alternations: factor regex branches by their first letter.

Python's `re` tries the branches of an alternation one after another at every position, so a
cue list of 150 words costs 150 cheap checks at each word start. `factor()` rewrites every
`(?:a|b|…)` group so branches that start with the same plain letter share one branch
(`(?:care|caring|cold)` -> `(?:c(?:are|aring|old))`): at a word start only the branches for
its first letter are tried. Order inside each letter is kept, and branches with different
first letters can never match at the same position, so the matches are the same ones.
Branches that start with anything else (a group, a class, an escape) keep their place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LETTER = frozenset("abcdefghijklmnopqrstuvwxyz")
_QUANT = frozenset("?*+{")


def _tokens(pattern: str) -> list[str]:
    """Split a pattern into atoms: escapes, classes, group openers, ")", "|", single chars."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif ch == "[":
            j = i + 1
            if j < len(pattern) and pattern[j] == "^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            while pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i : j + 1])
            i = j + 1
        elif ch == "(":
            if pattern.startswith("(?P<", i):
                j = pattern.index(">", i) + 1
            elif pattern.startswith(("(?<=", "(?<!"), i):
                j = i + 4
            elif pattern.startswith(("(?:", "(?=", "(?!"), i):
                j = i + 3
            else:
                j = i + 1
            out.append(pattern[i:j])
            i = j
        elif ch == "{" and (m := re.match(r"\{\d*,?\d*\}", pattern[i:])):
            out.append(m.group(0))
            i += len(m.group(0))
        else:
            out.append(ch)
            i += 1
    return out


def _parse(tokens: list[str], i: int) -> tuple[list[list[object]], int]:
    """Branches (lists of atoms or (opener, branches) groups) up to the matching ")"."""
    branches: list[list[object]] = [[]]
    while i < len(tokens):
        tok = tokens[i]
        if tok == ")":
            return branches, i + 1
        if tok == "|":
            branches.append([])
            i += 1
        elif tok.startswith("("):
            inner, i = _parse(tokens, i + 1)
            branches[-1].append((tok, inner))
        else:
            branches[-1].append(tok)
            i += 1
    return branches, i


def _render(branches: list[list[object]], opener: str | None) -> str:
    if opener == "(?:":
        branches = _grouped(branches)
    text = "|".join("".join(_atom(a) for a in b) for b in branches)
    return text if opener is None else f"{opener}{text})"


def _atom(atom: object) -> str:
    if isinstance(atom, tuple):
        opener, inner = atom
        return _render(inner, opener)
    return str(atom)


def _head(branch: list[object]) -> str | None:
    """The branch's first plain letter, if it is not quantified."""
    if len(branch) >= 2 and isinstance(branch[0], str) and branch[0] in _LETTER:
        nxt = branch[1]
        if not (isinstance(nxt, str) and nxt[:1] in _QUANT):
            return branch[0]
    return None


def _grouped(branches: list[list[object]]) -> list[list[object]]:
    buckets: dict[str, list[list[object]]] = {}
    order: list[object] = []
    for branch in branches:
        head = _head(branch)
        if head is None:
            order.append(branch)
        elif head in buckets:
            buckets[head].append(branch[1:])
        else:
            buckets[head] = [branch[1:]]
            order.append(head)
    out: list[list[object]] = []
    for item in order:
        if isinstance(item, str):
            rests = buckets[item]
            if len(rests) == 1:
                out.append([item, *rests[0]])
            else:
                out.append([item, ("(?:", rests)])
        else:
            out.append(item)
    return out


def factor(pattern: str) -> str:
    """The same regex with every non-capturing alternation grouped by first letter."""
    re.compile(pattern)  # a malformed pattern fails here, loudly, not half-parsed below
    branches, _ = _parse(_tokens(pattern), 0)
    return _render(branches, None)


def compile_fast(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(factor(pattern), flags)


# --- prefix gates ---------------------------------------------------------------------------
# A pattern that can only match at a word start, with one of a known set of three-character
# beginnings, cannot match a text that has none of those beginnings at a word start. The set
# is read off the parsed pattern; patterns whose beginnings cannot be listed get no gate.

K = 3
_STARTS = re.compile(r"(?s)(?:\b(?=\w)|(?=[$£]))(?=(.{1,3}))")
_ZERO_WIDTH = frozenset({"\\b", "\\B", "^"})
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_LIMIT = 4000


class _Unknown(Exception):
    pass


_CLASS_ESCAPES = {"\\s": " \t\n\r\f\v", "\\d": "0123456789"}


def _chars(tok: object) -> str | None:
    """The characters one atom can match, when it is a literal, a small class or \\s / \\d."""
    if not isinstance(tok, str):
        return None
    if len(tok) == 1 and tok not in "().|?*+{}[]^$\\":
        return tok
    if len(tok) == 2 and tok[0] == "\\":
        if tok in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[tok]
        if tok[1] in "$£.-/+'\"&()[]{}?*|^ ":
            return tok[1]
        return None
    if tok.startswith("[") and not tok.startswith("[^"):
        body, out, i = tok[1:-1], "", 0
        while i < len(body):
            if body[i] == "\\":
                chars = _CLASS_ESCAPES.get(body[i : i + 2], body[i + 1 : i + 2])
                out, i = out + chars, i + 2
            elif i + 2 < len(body) and body[i + 1] == "-":
                out, i = (
                    out + "".join(chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)),
                    i + 3,
                )
            else:
                out, i = out + body[i], i + 1
        return out if len(out) <= 40 else None
    return None


def _repeats(quant: str) -> tuple[int, bool]:
    """(minimum count, whether more than one is allowed) of a quantifier."""
    q = quant.rstrip("?") if len(quant) > 1 else quant
    if q == "?":
        return 0, False
    if q == "*":
        return 0, True
    if q == "+":
        return 1, True
    m = re.fullmatch(r"\{(\d*)(,?)(\d*)\}", q)
    if not m:
        raise _Unknown
    low = int(m.group(1) or 0)
    high = int(m.group(3)) if m.group(3) else (low if not m.group(2) else K + low)
    return low, high > 1


def _starts(seq: list[object], k: int) -> set[str]:
    """Every string of length k (or a shorter complete match) the sequence can begin with.

    A superset is fine (the gate only ever lets more texts through); a miss is not.
    """
    if k <= 0 or not seq:
        return {""}
    head, rest = seq[0], seq[1:]
    if rest and isinstance(rest[0], str) and rest[0][:1] in _QUANT:
        low, many = _repeats(rest[0])
        rest = rest[1:]
        out: set[str] = set()
        for count in range(low, (K + max(low, 1)) if many else max(low, 1) + 1):
            out |= _starts([head] * count + rest, k)
            if len(out) > _LIMIT:
                raise _Unknown
        return out
    if isinstance(head, str) and head in _ZERO_WIDTH:
        return _starts(rest, k)
    if isinstance(head, tuple):
        opener, branches = head
        if opener in _LOOKAROUND:
            return _starts(rest, k)
        if opener.startswith("(?P<") or opener in ("(?:", "("):
            out = set()
            for branch in branches:
                out |= _starts([*branch, *rest], k)
                if len(out) > _LIMIT:
                    raise _Unknown
            return out
        raise _Unknown
    chars = _chars(head)
    if chars is None:
        raise _Unknown
    tails = _starts(rest, k - 1)
    if len(chars) * len(tails) > _LIMIT:
        raise _Unknown
    return {c + tail for c in chars for tail in tails}


def _anchored(branches: list[list[object]]) -> bool:
    """Whether every branch begins with a word boundary (so matches start at word starts)."""
    for branch in branches:
        items = [a for a in branch if not (isinstance(a, tuple) and a[0] in ("(?<=", "(?<!"))]
        if not items:
            return False
        head = items[0]
        if head in ("\\b", "[$£]"):
            continue
        if (
            isinstance(head, tuple)
            and head[0] in ("(?:", "(")
            and _anchored(head[1])
            and not (len(items) > 1 and isinstance(items[1], str) and items[1][:1] in _QUANT)
        ):
            continue
        return False
    return True


def gate(pattern: str) -> frozenset[str] | None:
    """The beginnings a match of `pattern` must have, or None when they cannot be listed.

    Only for patterns whose every branch starts with a word boundary: their matches start at
    word starts, which is where `text_starts` looks.
    """
    branches, _ = _parse(_tokens(pattern), 0)
    if not _anchored(branches):
        return None
    try:
        out: set[str] = set()
        for branch in branches:
            starts = _starts(branch, K)
            if "" in starts or any(not s or not (s[0].isalnum() or s[0] in "$£") for s in starts):
                return None
            out |= starts
            if len(out) > _LIMIT:
                return None
    except (_Unknown, RecursionError):
        return None
    return frozenset(out)


class Starts:
    """Where words begin in one text: (position, its first K characters) per word start."""

    __slots__ = ("heads",)

    def __init__(self, heads: list[tuple[int, str]]) -> None:
        self.heads = heads


def text_starts(text: str) -> Starts:
    """The beginnings of every word start (and currency sign) of `text`."""
    return Starts([(m.start(), m.group(1)) for m in _STARTS.finditer(text)])


def _try(regex: re.Pattern[str], text: str, positions: list[int]) -> list[re.Match[str]]:
    """`finditer` restricted to the given candidate starts (ascending), same matches."""
    out = []
    end = -1
    match = regex.match
    for position in positions:
        if position < end:
            continue
        found = match(text, position)
        if found:
            out.append(found)
            end = found.end()
    return out


class Gated:
    """A compiled, factored pattern tried only where its gate says a match could begin.

    `finditer` and `search` give the same matches as the plain regex: a match of an anchored
    pattern begins at a word start with one of the gate's beginnings, and there the compiled
    regex is tried with `match`; everywhere else it cannot match.
    """

    __slots__ = ("gate", "regex")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.regex = compile_fast(pattern, flags)
        self.gate = gate(pattern)

    def _positions(self, starts: Starts) -> list[int]:
        g = self.gate
        assert g is not None
        return [p for p, head in starts.heads if head in g or head[:2] in g or head[:1] in g]

    def search(self, text: str, starts: Starts) -> re.Match[str] | None:
        if self.gate is None:
            return self.regex.search(text)
        found = _try(self.regex, text, self._positions(starts))
        return found[0] if found else None

    def finditer(self, text: str, starts: Starts) -> list[re.Match[str]]:
        if self.gate is None:
            return list(self.regex.finditer(text))
        return _try(self.regex, text, self._positions(starts))


# What `scan` gives a pattern without a match: shared, so immutable.
_NO_MATCHES: tuple[re.Match[str], ...] = ()


class PatternSet:
    """Many gated patterns matched together: one look-up per word start picks the patterns
    that could match there, so a pattern no word could start costs nothing at all."""

    def __init__(self, patterns: list[str]) -> None:
        self.items = [Gated(p) for p in patterns]
        self._matchers = tuple(item.regex.match for item in self.items)
        self.always = tuple(i for i, g in enumerate(self.items) if g.gate is None)
        index: tuple[dict[str, list[int]], ...] = tuple({} for _ in range(K + 1))
        for i, item in enumerate(self.items):
            for key in item.gate or ():
                index[len(key)].setdefault(key, []).append(i)
        self._index = tuple({k: tuple(v) for k, v in d.items()} for d in index)
        # head -> the patterns that could match there; filled on first sight of each head
        # (bounded by the number of distinct three-character beginnings).
        self._memo: dict[str, tuple[int, ...]] = {}

    def _ids(self, head: str) -> tuple[int, ...]:
        _, one, two, three = self._index
        ids = sorted({*three.get(head, ()), *two.get(head[:2], ()), *one.get(head[:1], ())})
        found = self._memo[head] = tuple(ids)
        return found

    def scan(self, text: str, starts: Starts) -> list[Sequence[re.Match[str]]]:
        """For each pattern, its matches in `text` (what `finditer` would give).

        One pass over the word starts in order: each pattern is tried where its gate allows
        and where its previous match has ended, as `_try` does pattern by pattern; doing it in
        one loop spares building a position list per pattern (this runs three times per
        comment, and was a quarter of the analysis)."""
        memo = self._memo
        matchers = self._matchers
        found: dict[int, list[re.Match[str]]] = {}
        ends: dict[int, int] = {}
        for position, head in starts.heads:
            ids = memo.get(head)
            if ids is None:
                ids = self._ids(head)
            for i in ids:
                if position < ends.get(i, 0):
                    continue
                match = matchers[i](text, position)
                if match is not None:
                    ends[i] = match.end()
                    earlier = found.get(i)
                    if earlier is None:
                        found[i] = [match]
                    else:
                        earlier.append(match)
        out: list[Sequence[re.Match[str]]] = [_NO_MATCHES] * len(matchers)
        for i in self.always:
            out[i] = list(self.items[i].regex.finditer(text))
        for i, matches in found.items():
            out[i] = matches
        return out
