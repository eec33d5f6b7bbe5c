"""A check on reply drafts to public reviews. Pure.

Answering a review in public must not confirm who the reviewer is together with anything about
their health: "Dear Sam, we are sorry your knee surgery was delayed" discloses PHI even when
the reviewer told the story first. A draft that names the reviewer (or anyone) and mentions
health details is refused; either alone is allowed ("Dear Sam, thank you" or "we are sorry
about the wait for surgery").
"""

from __future__ import annotations

import re

from feedback.reports.scrub import scrub_comment

MAX_REPLY = 4_000
_GREETING_NAME = re.compile(r"\b(?i:dear|hi|hello|hey|thanks|thank you)\s+([A-Z][a-z'\-]+)\b")
_HEALTH_DETAIL = re.compile(
    r"\b(?:diagnos\w*|condition|treatment|treated|surgery|surgical|operation|procedure|"
    r"medication|medicine|prescri\w+|dose|test results?|results? of your|scan|x-?ray|mri|ct|"
    r"biopsy|blood (?:test|work)|admission|admitted|discharged?|ward|icu|a&e|emergency room|"
    r"appointment|your (?:visit|stay|care|doctor|nurse|consultant|therapy|illness|injury)|"
    r"pregnan\w*|birth|labou?r|miscarriage|cancer|chemo\w*|diabet\w*|dementia|stroke|"
    r"heart|mental health|depress\w*|anxiety|psychiatr\w*|therapy|physio\w*|fracture|"
    r"infection|covid|hiv|std|sti|abortion|rehab\w*|symptoms?|pain)\b",
    re.IGNORECASE,
)


def _name_parts(author: str) -> list[str]:
    parts = [author.strip()] if author.strip() else []
    # "Sam P." is often greeted as "Sam": each real word of the display name counts too.
    parts += [word.strip(".,") for word in author.split() if len(word.strip(".,")) >= 3]
    return parts


def names_someone(draft: str, author: str) -> bool:
    if _GREETING_NAME.search(draft):
        return True
    return "[name]" in scrub_comment(draft, _name_parts(author), max_chars=None)


def reply_problems(draft: str, author: str) -> list[str]:
    """Why this reply must not be saved (an empty list when it may)."""
    text = draft.strip()
    if not text:
        return ["Write the reply first."]
    if len(text) > MAX_REPLY:
        return [f"Keep the reply under {MAX_REPLY} characters."]
    detail = _HEALTH_DETAIL.search(text)
    if detail and names_someone(text, author):
        return [
            "The reply names the reviewer (or another person) together with health details "
            f"(\u201c{detail.group(0)}\u201d). In public, confirm neither who they are nor their "
            "care: thank them, say what you are doing in general terms, and invite them to "
            "contact the patient experience office privately."
        ]
    return []
