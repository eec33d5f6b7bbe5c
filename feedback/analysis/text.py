"""Normalisation, typo repair and segmentation into clauses ("chunks").

Everything downstream works on one lower-cased, typo-repaired string and on chunks of it:
sentence pieces split at commas and at contrast words, because in patient comments praise
and criticism usually sit in different clauses ("great doctor, terrible billing") and a
negation never reaches across a clause boundary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from feedback.analysis.fastre import Starts, compile_fast, text_starts
from feedback.analysis.lexicon import DOMAIN, EMOJI, polarity_table, vocabulary

# Frequent misspellings and apostrophe-less contractions in patient comments. Anything else
# unknown is tried against the opinion lexicon at edit distance one (see _repair).
_TYPOS = {
    "recieved": "received",
    "recieve": "receive",
    "definately": "definitely",
    "definatly": "definitely",
    "docter": "doctor",
    "doctr": "doctor",
    "thier": "their",
    "wasnt": "wasn't",
    "didnt": "didn't",
    "dont": "don't",
    "doesnt": "doesn't",
    "couldnt": "couldn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "arent": "aren't",
    "werent": "weren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "im": "i'm",
    "ive": "i've",
    "apointment": "appointment",
    "appointmnet": "appointment",
    "untill": "until",
    "nurce": "nurse",
    "embarassed": "embarrassed",
    "rediculous": "ridiculous",
    "freindly": "friendly",
    "frendly": "friendly",
    "profesional": "professional",
    "proffesional": "professional",
    "exellent": "excellent",
    "excelent": "excellent",
    "brillant": "brilliant",
    "horible": "horrible",
    "terible": "terrible",
    "awfull": "awful",
    "carefull": "careful",
    "helpfull": "helpful",
    "greatful": "grateful",
    "hygene": "hygiene",
    "seperate": "separate",
    "occured": "occurred",
    "nothink": "nothing",
    "nothin": "nothing",
    "thankyou": "thank you",
    "tnx": "thanks",
    "thx": "thanks",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "amazin": "amazing",
    "unproffesional": "unprofessional",
    "unprofesional": "unprofessional",
    "dissmissive": "dismissive",
    "dismisive": "dismissive",
    "medicaton": "medication",
    "recomend": "recommend",
    "reccomend": "recommend",
    "reccommend": "recommend",
    "wiat": "wait",
    "waitied": "waited",
    "receptionest": "receptionist",
    "u": "you",
}
_ABBREVIATIONS = re.compile(
    r"\b(dr|mr|mrs|ms|st|vs|etc|approx|appt|dept|no|jr|sr|e\.g|i\.e)\.", re.I
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_LEADING_NOTHING = re.compile(
    r"^\s*(nothing|none|no|nope)\b(?: at all| really| whatsoever)?"
    r"(?:\s*[,.!:;-][\s,.!:;-]*|\s+(?=(?:everything|all|it was|it's|they were|they are|"
    r"staff|the staff|great|excellent|very|keep|perfect|brilliant|fantastic|fine|good|"
    r"lovely|amazing|i was|i am|i'm|happy|thank|been|honestly|i've|i have|we|you|keep|"
    r"the (?:care|staff|service|nurses|team))\b))(?=[a-z])"
)
# Possessives ("my husband's life", "the doctor's manner") become the bare noun so that cues
# written as "my \w+ life" match; contractions ("it's", "that's", "he's") are left alone.
_POSSESSIVE = re.compile(
    r"\b(?!(?:it|he|she|that|there|here|what|who|where|how|let|everyone|everybody|"
    r"nobody|someone|somebody|anyone|one|everything|nothing|something|this|else|today|"
    r"name|life|mine)'s\b)([a-z]{2,})'s\b"
)
# Clause boundaries: sentence ends, semicolons, commas, dashes, newlines, and contrast words.
_BOUNDARY = compile_fast(
    r"(?:[.!?;:]+(?=\s|$|[A-Za-z\"'])|,|\n+|\s[-\u2013\u2014]+\s|\.\.\.+|\u2026)"
    r"|(?<!nothing )(?<!anything )(?<!all )"
    r"\b(but|however|although|though|whereas|except|apart from|other than that|"
    r"on the other hand|then again|even so|nevertheless|yet)\b"
)
CONTRAST_AFTER = frozenset(
    {
        "but",
        "however",
        "yet",
        "except",
        "whereas",
        "nevertheless",
        "on the other hand",
        "even so",
        "then again",
        "apart from",
        "other than that",
    }
)
CONCESSIVE = frozenset({"although", "though"})


@dataclass(frozen=True, slots=True)
class Chunk:
    """One clause of the normalised text, with the contrast word that opened it, if any."""

    start: int
    end: int
    text: str
    words: tuple[str, ...]
    marker: str | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A comment ready for the rules: repaired lower-case text, its clauses, surface signals."""

    raw: str
    text: str
    chunks: tuple[Chunk, ...]
    caps_words: frozenset[str]
    exclamations: int
    repairs: tuple[tuple[str, str], ...]
    # Three-letter word beginnings, so rules that cannot match are skipped (fastre.Gated).
    starts: Starts = field(default_factory=lambda: text_starts(""))


def _edits1(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | swaps | replaces | inserts


@lru_cache(maxsize=50_000)
def _repair(word: str) -> str:
    """Correct a word to an opinion word one edit away, but only if it is not English itself."""
    fixed = _TYPOS.get(word)
    if fixed is not None:
        return fixed
    if len(word) < 6 or word in vocabulary() or word in DOMAIN:
        return word
    table = polarity_table()
    candidates = sorted(w for w in _edits1(word) if w in table and len(w) >= 5)
    return candidates[0] if len(candidates) == 1 else word


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    """Words `_repair` leaves alone whatever their length: English words that are no typo."""
    return frozenset((vocabulary() | DOMAIN.keys()) - _TYPOS.keys())


def prepare(raw: str) -> Prepared:
    """Normalise unicode and case, repair typos, and split into clauses."""
    text = unicodedata.normalize("NFKC", raw).replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    caps_words = frozenset(
        w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in {"ICU", "MRI", "EKG"}
    )
    exclamations = text.count("!")
    text = _ABBREVIATIONS.sub(lambda m: m.group(1), text).lower()
    repairs: list[tuple[str, str]] = []

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        fixed = _repair(word)
        if fixed != word:
            repairs.append((word, fixed))
        return fixed

    # Most comments have no typo: find that out with set operations before the per-word pass.
    unknown = set(_WORD.findall(text)).difference(_known())
    if any(_repair(word) != word for word in unknown):
        text = _WORD.sub(fix, text)
    if "'s" in text:
        text = _POSSESSIVE.sub(r"\1", text)
    # "Nothing, they were amazing": the leading "nothing" answers the question on its own and
    # must not negate the praise that follows.
    text = _LEADING_NOTHING.sub(r"\1. ", text)
    return Prepared(
        raw,
        text,
        tuple(split_chunks(text)),
        caps_words,
        exclamations,
        tuple(repairs),
        text_starts(text),
    )


def split_chunks(text: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    pos = 0
    marker: str | None = None
    for match in _BOUNDARY.finditer(text):
        _append(chunks, text, pos, match.start(), marker)
        marker = match.group(1)
        pos = match.end()
    _append(chunks, text, pos, len(text), marker)
    return chunks


def _append(chunks: list[Chunk], text: str, start: int, end: int, marker: str | None) -> None:
    piece = text[start:end]
    words = tuple(_WORD.findall(piece))
    has_emoji = (":" in piece or not piece.isascii()) and any(symbol in piece for symbol in EMOJI)
    if words or has_emoji:
        chunks.append(Chunk(start, end, piece, words, marker))
