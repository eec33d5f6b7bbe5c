"""Take the identifying details out of a patient comment quoted in an executive report.

A representative comment in a PDF travels further than the feedback screen it came from
(board packs, email), so contact details, record numbers, dates of birth and people's names
are replaced with a bracketed placeholder saying what was there. This is a best-effort filter
of patterns, not a guarantee: the report shows comments only in aggregate views that are
already access controlled, and this is a second line of defence.

The order of the passes matters: links and emails go first (they contain digits and names),
labelled record numbers before phone numbers (an NHS number looks like a phone number), dates
before phone numbers (01-02-1980 is a run of digits too), and names last, on text whose other
details are already gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LINK, EMAIL, PHONE, NUMBER, DATE, NAME = (
    "[link]",
    "[email]",
    "[phone]",
    "[number]",
    "[date]",
    "[name]",
)

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# A label such as "MRN", "NHS number" or "patient ID" followed by a number: the label stays
# (it tells the reader what kind of detail was removed), the number goes.
_LABELLED_ID = re.compile(
    r"\b((?:MRN|NHS\s+(?:no\.?|number)|hospital\s+(?:no\.?|number)|patient\s+(?:id|no\.?|number)"
    r"|record\s+(?:no\.?|number)|ref(?:erence)?(?:\s+(?:no\.?|number))?)\s*(?:is\s+|was\s+)?"
    r"[:#]?\s*)[A-Z]{0,3}-?\d[\d\s-]{2,14}\d\b",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# Full dates only (day, month and year): "in March" or "on the 3rd" identify nobody.
_DATE = re.compile(
    r"(?<![\w/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|(?:19|20)\d{2}-\d{1,2}-\d{1,2})"
    r"(?![\w/]|[.-]\d)"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(?:19|20)\d{{2}}\b"
    rf"|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b",
    re.IGNORECASE,
)
# Phone numbers in UK and US shapes: +44 7700 900123, +44 (0)20 7946 0958, (555) 123-4567,
# 555-123-4567, 07700 900123. Candidates are checked by digit count in _phone().
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d(?:[\s.-]?\d){5,14}(?![\w])"
)
_LONG_NUMBER = re.compile(r"\b[A-Z]{0,3}-?\d{6,}\b", re.IGNORECASE)

# Capitalised words that are not names (days, months, hospital places and roles, sentence
# openers), so the name rules leave "with Emergency Department" or "by Friday" alone.
_NOT_NAME_WORDS = """
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    january february march april may june july august september october november december
    emergency department dept accident a&e ed ward wards hospital clinic unit centre center
    outpatients outpatient inpatient inpatients maternity radiology cardiology oncology pharmacy
    reception surgery theatre theatres icu itu hdu nhs gp x-ray xray mri ct ultrasound scan
    paediatrics pediatrics children's childrens royal general infirmary trust team staff
    service services care intensive critical acute medical medicine assessment discharge
    lounge minor injuries urgent admissions health mental physio physiotherapy therapy
    orthopaedics orthopedics fracture dermatology neurology urology gynaecology respiratory
    renal stroke dental eye ent ambulance paramedic paramedics security porter porters pals
    patient patients experience transport day night nurse nurses doctor doctors sister matron
    consultant surgeon registrar midwife midwives the a an my i it this that they we he she
    you and but or so very really great good lovely kind everyone everybody thank thanks
    christmas easter covid english spanish british friends family test google facebook
    """
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())

_APOS = "'\u2019"  # typed and typographic apostrophes
_CAP = rf"[A-ZÀ-ÖØ-Þ](?:[^\W\d_]|[{_APOS}-](?=[^\W\d_]))*"  # Patel, O'Brien, Smith-Jones, Ólafur
_INITIAL = r"(?:[A-Z]\.?\s+)?"
# Honorifics keep their place so the sentence still reads ("Dr [name] was kind"). The title
# may be in any case; the name must be capitalised ("the doctor was late" survives).
_HONORIFIC = re.compile(
    r"\b((?i:dr|mr|mrs|ms|mx|prof|sr)\b\.?\s*|(?:Miss|(?i:doctor|professor|nurse|sister|matron"
    r"|midwife|surgeon|consultant|nurse\s+practitioner|staff\s+nurse)\b)\s+)"
    rf"({_INITIAL}{_CAP}(?:\s+{_CAP})?)"
)
# "my name is X" nearly always introduces a name, whatever its case (a second word counts
# unless it is a common little word: "my name is john and..."); "I am X" only when X is
# capitalised ("I am grateful" must survive).
_INTRO_ANY_CASE = re.compile(
    rf"\b((?i:my\s+name\s+is|my\s+name[{_APOS}]s)\s+)"
    rf"((?!(?i:not|a|an|the)\b)[^\W\d_][\w{_APOS}-]*(?:\s+[^\W\d_][\w{_APOS}-]*)?)"
)
_COMMON = "and or but from i im was is am my the a at in on of to with for who here just so"
_COMMON_WORDS = frozenset(_COMMON.split())
_INTRO_CAPITALISED = re.compile(
    rf"\b((?:[Ii]\s+am|I[{_APOS}]m|[Cc]all\s+me|[Tt]his\s+is|[Mm]y\s+(?:husband|wife|son|daughter|mother|father"
    rf"|mum|mom|dad|partner|carer|friend),?)\s+)({_CAP}(?:\s+{_CAP})?)"
)
# A first and last name after "with", "by", "saw"...; a single word there is too often a place
# or a team ("with Cardiology"), except after "named"/"called", which only precede names.
_PAIR_AFTER = re.compile(
    rf"\b((?:[Ww]ith|[Bb]y|[Ss]aw|[Ss]een\s+by|[Ss]poke\s+(?:to|with))\s+)({_CAP}\s+{_CAP})"
    rf"|\b((?:[Nn]amed|[Cc]alled)\s+)({_CAP}(?:\s+{_CAP}){{0,2}})"
)


def _is_name(words: str) -> bool:
    parts = words.replace(".", " ").split()
    return bool(parts) and not any(p.lower() in _NOT_NAMES for p in parts if len(p) > 1)


def _prefix_and_name(match: re.Match[str]) -> tuple[str, str]:
    prefix, name = (g for g in match.groups() if g is not None)
    return prefix, name


def _name_after(match: re.Match[str]) -> str:
    """After a title or an introduction: a lone first word still counts as a name
    ("Dr Patel Monday" -> "Dr [name] Monday")."""
    prefix, name = _prefix_and_name(match)
    if _is_name(name):
        return f"{prefix}{NAME}"
    first, _, rest = name.partition(" ")
    return f"{prefix}{NAME} {rest}" if rest and _is_name(first) else match.group(0)


def _named_any_case(match: re.Match[str]) -> str:
    prefix, name = _prefix_and_name(match)
    second = name.partition(" ")[2]
    if second and second.lower() in _COMMON_WORDS:
        return f"{prefix}{NAME} {second}"
    return f"{prefix}{NAME}"


def _pair_after(match: re.Match[str]) -> str:
    """After "with"/"by": both words must look like a name, else it was a place or team."""
    prefix, name = _prefix_and_name(match)
    return f"{prefix}{NAME}" if _is_name(name) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return PHONE if 10 <= digits <= 15 else match.group(0)


def _known(names: Iterable[str]) -> re.Pattern[str] | None:
    cleaned = {" ".join(n.split()) for n in names if n and len(n.strip()) > 1}
    if not cleaned:
        return None
    # Longest first, so "Jane Smith" goes as one name rather than "Jane" then "Smith".
    alternatives = "|".join(
        r"\s+".join(re.escape(w) for w in n.split())
        for n in sorted(cleaned, key=lambda n: (-len(n), n))
    )
    # Whole words, where a hyphenated name is one word ("Jane" is not in "Jane-Marie") but a
    # possessive is not ("Jane's" loses "Jane").
    return re.compile(rf"(?<![\w\[])(?<!\w-)(?:{alternatives})(?![\w\]]|-\w)", re.IGNORECASE)


def truncate(text: str, max_chars: int) -> str:
    """Cut at the last word boundary that fits, adding an ellipsis (counted in max_chars)."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:  # a single giant "word" is cut mid-word rather than dropped
        cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013\u2014") + "…"


def scrub_comment(
    text: str, known_names: Iterable[str] = (), *, max_chars: int | None = 280
) -> str:
    """The comment with contact details, record numbers, dates and names replaced by
    placeholders ([email], [phone], [number], [date], [name], [link]), whitespace tidied, and
    cut to max_chars at a word boundary (None: no limit)."""
    out = " ".join(text.split())
    out = _URL.sub(LINK, out)
    out = _EMAIL.sub(EMAIL, out)
    out = _LABELLED_ID.sub(lambda m: f"{m.group(1)}{NUMBER}", out)
    out = _DATE.sub(DATE, out)
    out = _PHONE.sub(_phone, out)
    out = _LONG_NUMBER.sub(NUMBER, out)
    known = _known(known_names)
    if known is not None:
        out = known.sub(NAME, out)
    out = _HONORIFIC.sub(_name_after, out)
    out = _INTRO_ANY_CASE.sub(_named_any_case, out)
    out = _INTRO_CAPITALISED.sub(_name_after, out)
    out = _PAIR_AFTER.sub(_pair_after, out)
    if max_chars is not None and max_chars > 0:
        out = truncate(out, max_chars)
    return out
