"""Praise for the team: who a compliment names. Pure."""

from __future__ import annotations

import re

# A title or role followed by a capitalised name: "Dr. Ansah", "nurse Maria", "Ms. Thompson".
_NAME = r"[A-Z][a-zA-Z'\u2019-]+"
_NAMED = re.compile(
    r"\b(?:Dr\.?|Doctor|Nurse|nurse|Ms\.?|Mrs\.?|Mr\.?|Mx\.?|Sister|Midwife|midwife)\s+"
    rf"({_NAME}(?:\s+{_NAME})?)"
)
_CALLED = re.compile(rf"\b(?:named|called)\s+({_NAME})")


def staff_mentions(text: str) -> list[str]:
    """Names of staff a comment mentions, in order, without repeats."""
    found: list[str] = []
    for match in [*_NAMED.finditer(text), *_CALLED.finditer(text)]:
        name = match.group(0).strip()
        if name not in found:
            found.append(name)
    return found
