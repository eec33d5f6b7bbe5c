"""The regex speed-ups must not change a single match."""

import random
import re

import pytest

from feedback.analysis.fastre import Gated, PatternSet, factor, gate, text_starts
from feedback.analysis.rules import FACT_RULES, PRAISE_RULES
from feedback.analysis.themes import _STRONG, _WEAK

SENTENCES = [
    "The nurse was rude and nobody explained the bill, $240 for a test!",
    "Waited 3 hours in A&E; parking cost £12. Staff were lovely though.",
    "no one told us visiting hours changed. drove 2 hrs to be turned away",
    "Nothing could have been better, thank you to the whole team :)",
    "App won't let me book anything; the portal logs me out. Still waiting...",
    "Dr. Chen is brilliant but the receptionist rolled her eyes at me.",
    "",
    "x",
]


def _texts() -> list[str]:
    rng = random.Random(7)
    words = " ".join(SENTENCES).lower().split()
    extra = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 25))) for _ in range(300)]
    return [s.lower() for s in SENTENCES] + extra


PATTERNS = [
    *_STRONG.values(),
    *_WEAK.values(),
    *(pattern for pattern, _, _ in FACT_RULES + PRAISE_RULES),
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_gated_matches_equal_plain_regex(pattern: str) -> None:
    plain = re.compile(pattern)
    fast = Gated(pattern)
    for text in _texts():
        starts = text_starts(text)
        assert [m.span() for m in fast.finditer(text, starts)] == [
            m.span() for m in plain.finditer(text)
        ]
        found, expected = fast.search(text, starts), plain.search(text)
        assert (found and found.span()) == (expected and expected.span())


def test_factor_groups_branches_by_first_letter() -> None:
    assert factor(r"\b(?:care|caring|cold|x)\b") == r"\b(?:c(?:a(?:r(?:e|ing))|old)|x)\b"
    for pattern in (r"\b(?:ab|ac|b+)\b", r"(?:a|ab)c", r"\b(?:x?y|xz)"):
        for text in ("ab ac bbb", "abc ac", "y xz xy"):
            assert re.findall(factor(pattern), text) == re.findall(pattern, text)


def test_gate_only_for_word_anchored_patterns() -> None:
    assert gate(r"\b(?:rude|rud\w+)") == frozenset({"rud"})
    assert gate(r"rude") is None  # could match inside a word
    assert gate(r"\b\w+") is None  # beginnings cannot be listed
    assert gate(r"\b(?:no|not)\b") == frozenset({"no", "not"})


def test_pattern_set_matches_equal_plain_regexes() -> None:
    plain = [re.compile(p) for p in PATTERNS]
    together = PatternSet(PATTERNS)
    for text in _texts():
        scanned = together.scan(text, text_starts(text))
        assert [[m.span() for m in found] for found in scanned] == [
            [m.span() for m in p.finditer(text)] for p in plain
        ]


def test_urgent_concepts_are_all_gated() -> None:
    # An ungated pattern runs over every whole comment: one new branch whose beginning the
    # gate cannot list made the urgent scan 60% slower (hybrid-4.0, while it was written).
    from feedback.analysis.urgency import _ALL_SET, _CONCEPTS, _N_SINGLE

    concepts = _ALL_SET.items[_N_SINGLE:]
    assert len(concepts) == len(_CONCEPTS)
    assert all(item.gate is not None for item in concepts)
