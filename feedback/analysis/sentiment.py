"""Clause-level scoring: lexicon words with negation and intensity, phrase rules, irony.

Each clause gets a score in -1..1 and a list of the reasons behind it. The comment's label
comes from the clause scores: clear praise in one clause and clear criticism in another is
"mixed", which is exactly what a whole-text average (raw TextBlob) hides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedback.analysis.fastre import Starts, text_starts
from feedback.analysis.lexicon import (
    DIMINISHERS,
    EMOJI,
    INTENSIFIERS,
    IRONY_EMOJI,
    NEGATORS,
    polarity_table,
)
from feedback.analysis.rules import (
    FACT_RULES,
    N_FACT,
    NO_IMPROVEMENT,
    PRAISE_RULES,
    RULE_SET,
    SARCASM_STRONG,
    SARCASM_WEAK,
    Hit,
    clock_wait_hits,
    duration_hits,
)
from feedback.analysis.text import CONCESSIVE, CONTRAST_AFTER, Chunk, Prepared

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_NEG_WINDOW = 3
_SARCASM_TAG = re.compile(r"(?<![\w/])/s\s*$")
# Words a negation reaches through without using up its window: "never once made me feel
# rushed" negates "rushed" like "never rushed" does.
_NEG_TRANSPARENT = frozenset(
    {
        "once",
        "ever",
        "even",
        "made",
        "make",
        "makes",
        "me",
        "us",
        "feel",
        "felt",
        "feeling",
        "seem",
        "seemed",
        "at",
        "all",
    }
)
_NEG_REACH = 7
_CLAUSE_END = re.compile(r"[.!?;,:\n]")
# Words that end a negation's reach inside a clause ("not only kind but...", "no wait and").
_NEG_STOP = frozenset({"and", "or", "so", "because", "that", "which", "who", "when", "if"})
MIXED_FLOOR = 0.3
MIXED_RATIO = 0.25
# A clause this clear is never drowned by the length of the rest of a long review.
MIXED_STRONG = 0.8
NEUTRAL_FLOOR = 0.12


@dataclass(frozen=True, slots=True)
class ClauseScore:
    chunk: Chunk
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scored:
    clauses: tuple[ClauseScore, ...]
    polarity: float
    label: str
    reasons: tuple[str, ...]


def _negated(words: list[str], index: int) -> int | None:
    counted = 0
    j = index - 1
    while j >= 0 and counted < _NEG_WINDOW and index - j <= _NEG_REACH:
        word = words[j]
        if word in _NEG_STOP and word not in INTENSIFIERS:
            return None
        if word in NEGATORS or word.endswith("n't"):
            return j
        if word not in _NEG_TRANSPARENT:
            counted += 1
        j -= 1
    return None


def _modifier(words: list[str], index: int) -> float:
    factor = 1.0
    for back in (1, 2):
        j = index - back
        if j < 0:
            break
        factor *= INTENSIFIERS.get(words[j], 1.0) * DIMINISHERS.get(words[j], 1.0)
    return factor


def rule_hits(text: str, starts: Starts | None = None) -> list[Hit]:
    """All phrase and duration rules that fire anywhere in the normalised text."""
    starts = text_starts(text) if starts is None else starts
    hits = duration_hits(text) + clock_wait_hits(text)
    matches = RULE_SET.scan(text, starts)
    for (_, polarity, name), found in zip(FACT_RULES, matches, strict=False):
        hits.extend(Hit(m.start(), m.end(), polarity, name, m.group(0)) for m in found)
    for (_, polarity, name), found in zip(PRAISE_RULES, matches[N_FACT:], strict=True):
        for m in found:
            # A negation reaches back over words, never over a clause's punctuation.
            window = _CLAUSE_END.split(text[max(0, m.start() - 30) : m.start()])[-1]
            before = _WORD.findall(window)[-_NEG_WINDOW:]
            negator = next(
                (w for w in reversed(before) if w in NEGATORS or w.endswith("n't")), None
            )
            if negator:
                hits.append(
                    Hit(
                        m.start(),
                        m.end(),
                        -polarity * 0.7,
                        f"negated {name}",
                        f"{negator} … {m.group(0)}",
                    )
                )
            else:
                hits.append(Hit(m.start(), m.end(), polarity, name, m.group(0)))
    praise = [h for h in hits if h.rule == NO_IMPROVEMENT]
    if praise:
        # "Nothing could have been better" is not a suggestion, nor "too much trouble" excess.
        hits = [
            h
            for h in hits
            if h.polarity > 0
            or h.rule == NO_IMPROVEMENT
            or not any(p.start <= h.start < p.end or h.start <= p.start < h.end for p in praise)
        ]
    return hits


def _clause(chunk: Chunk, prep: Prepared, hits: list[Hit], ironic: bool) -> ClauseScore:
    table = polarity_table()
    inside = [h for h in hits if chunk.start <= h.start < chunk.end]
    covered = [(h.start, h.end) for h in inside]
    reasons = [f'{h.rule}: "{h.matched}" ({h.polarity:+.2f})' for h in inside]
    total = sum(h.polarity for h in inside)
    if ironic and total > 0:
        # Praise inside an ironic clause ("five stars for the fastest way to lose $400").
        total = -total
        reasons.append(f"sarcasm: praise phrase read as {total:+.2f}")
    words = list(chunk.words)
    offsets = [chunk.start + m.start() for m in _WORD.finditer(chunk.text)]
    for i, word in enumerate(words):
        polarity = table.get(word)
        if polarity is None or word in INTENSIFIERS or any(a <= offsets[i] < b for a, b in covered):
            continue
        value = polarity * _modifier(words, i)
        if word in prep.caps_words:
            value *= 1.3
        at = _negated(words, i)
        # A negation that a phrase rule already used ("can't improve on excellent") is spent.
        negator = None if at is None or any(a <= offsets[at] < b for a, b in covered) else words[at]
        if negator:
            value = -value * (0.7 if value > 0 else 0.5)
            reasons.append(f'negation: "{negator} … {word}" -> {value:+.2f}')
        elif ironic and value > 0:
            value = -value
            reasons.append(f'sarcasm: "{word}" read as {value:+.2f}')
        else:
            reasons.append(f'word: "{word}" ({value:+.2f})')
        total += value
    # Most clauses are plain ASCII without emoticons; skip the emoji scan for them.
    emoji_items = () if chunk.text.isascii() and ":" not in chunk.text else EMOJI.items()
    for symbol, polarity in emoji_items:
        count = chunk.text.count(symbol)
        if count and not (
            len(symbol) == 1
            and symbol + "\ufe0f" in EMOJI
            and chunk.text.count(symbol + "\ufe0f") == count
        ):
            total += polarity * min(count, 2)
            reasons.append(f'emoji: "{symbol}" ({polarity:+.2f})')
    if ironic and total == 0:
        # An irony marker with nothing else to weigh ("Express my foot.") is a complaint.
        total = -0.4
        reasons.append("sarcasm: ironic clause (-0.40)")
    return ClauseScore(chunk, max(-1.0, min(1.0, total)), tuple(reasons))


def score(prep: Prepared, alarming: bool = False) -> Scored:
    """Score every clause, then combine them into a polarity and a four-way label.

    `alarming` says an urgent event was found: irony markers such as "thanks for that" are
    then read as sarcasm, as they are after any reported failure.
    """
    hits = rule_hits(prep.text, prep.starts)
    has_negative_fact = alarming or any(h.polarity < 0 for h in hits)
    clauses = []
    notes: list[str] = []
    irony = [(m.start(), m.end()) for m in SARCASM_STRONG.finditer(prep.text)]
    if "/s" in prep.text and _SARCASM_TAG.search(prep.text):
        # The internet's "/s" at the end takes back everything before it.
        irony.append((0, len(prep.text)))
    if has_negative_fact:
        irony += [(m.start(), m.end()) for m in SARCASM_WEAK.finditer(prep.text)]
        if any(e in prep.text for e in IRONY_EMOJI):
            irony.append((0, len(prep.text)))
    for chunk in prep.chunks:
        ironic = any(a < chunk.end and b > chunk.start for a, b in irony)
        if ironic:
            notes.append(f'sarcasm marker near "{chunk.text.strip()}"')
        clauses.append(_clause(chunk, prep, hits, ironic))
    weighted = 0.0
    weights = 0.0
    for position, clause in enumerate(clauses):
        if clause.score == 0:
            continue
        weight = 1.0
        if clause.chunk.marker in CONTRAST_AFTER:
            weight = 1.5
            notes.append(f'contrast: "{clause.chunk.marker}" weighs the clause after it more')
        elif clause.chunk.marker in CONCESSIVE:
            weight = 0.6
        if position + 1 < len(clauses) and clauses[position + 1].chunk.marker in CONCESSIVE:
            weight = 1.3
        weighted += weight * clause.score
        weights += weight
    polarity = weighted / weights if weights else 0.0
    emphasis = 1.0 + 0.1 * min(prep.exclamations, 3) + (0.15 if prep.caps_words else 0.0)
    if emphasis > 1.0 and polarity:
        notes.append(f"intensity: caps/exclamations x{emphasis:.2f}")
    polarity = max(-1.0, min(1.0, polarity * emphasis))
    label = _label(clauses, polarity, notes)
    if label == "negative" and _only_suggestions(clauses):
        # A suggestion without complaint is neutral, but it still says something could be
        # better, hence the slightly negative polarity.
        notes.append("suggestion without complaint -> neutral")
        label, polarity = "neutral", -0.1
    return Scored(tuple(clauses), polarity, label, tuple(notes))


def _only_suggestions(clauses: list[ClauseScore]) -> bool:
    evaluative = [c for c in clauses if abs(c.score) >= NEUTRAL_FLOOR]
    return all(
        c.score < 0 and all(r.startswith("suggestion") for r in c.reasons) for c in evaluative
    )


def _label(clauses: list[ClauseScore], polarity: float, notes: list[str]) -> str:
    positive = [c.score for c in clauses if c.score > 0]
    negative = [-c.score for c in clauses if c.score < 0]
    pos_mass, neg_mass = sum(positive), sum(negative)
    if pos_mass < NEUTRAL_FLOOR and neg_mass < NEUTRAL_FLOOR:
        notes.append("no evaluative content -> neutral")
        return "neutral"
    if (
        positive
        and negative
        and max(positive) >= MIXED_FLOOR
        and max(negative) >= MIXED_FLOOR
        and (
            min(pos_mass, neg_mass) >= MIXED_RATIO * max(pos_mass, neg_mass)
            or min(max(positive), max(negative)) >= MIXED_STRONG
        )
    ):
        notes.append("clear praise and clear criticism in different clauses -> mixed")
        return "mixed"
    if polarity > 0.02 or (polarity == 0 and pos_mass > neg_mass):
        return "positive"
    if polarity < -0.02 or neg_mass > pos_mass:
        return "negative"
    return "neutral"
