"""Word-level knowledge: TextBlob's adjective lexicon plus the healthcare layer on top of it.

TextBlob's lexicon (en-sentiment.xml, shipped inside the package, so it works offline) is
read once, lazily, and averaged per word form across senses exactly like TextBlob's
PatternAnalyzer does. It is built from movie reviews, so it misses the words patients use to
complain ("dismissive", "understaffed", "nightmare") and gives polarity to words that are
plain description in a hospital ("long", "little", "full", "other"); the domain tables below
fix both.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

# Descriptive adjectives that carry movie-review polarity but state facts in patient comments
# ("the other nurse", "a full waiting room", "a long hallway", "my first visit").
_NEUTRALISED = frozenset(
    [
        "new", "first", "last", "other", "full", "real", "free", "long", "little", "sure", "right",
        "next", "same", "whole", "only", "actual", "high", "low", "old", "young", "big", "small",
        "early", "different", "certain", "entire", "back", "open", "busy", "empty", "short",
        "simple", "more", "most", "less", "least", "much", "many", "few", "several", "main",
        "general", "common", "public", "private", "special", "single", "final", "total", "due",
        "overall", "further", "extra", "usual", "regular", "normal", "own", "particular", "serious",
        "huge", "large", "major", "minor", "deep", "dark", "light", "hot", "warm", "cool", "red",
        "white", "black", "blue", "green", "general", "medical", "clinical", "physical", "mental",
        "pregnant", "live", "dead", "ready", "able", "sick", "ill"
    ]
)

# Healthcare vocabulary: overrides and additions to the TextBlob lexicon. Values are polarity
# in -1..1, chosen so that one clear word decides a short comment ("Horrible." / "Fine.").
DOMAIN: dict[str, float] = {
    # praise
    "caring": 0.7, "compassionate": 0.8, "attentive": 0.7, "thorough": 0.6, "spotless": 0.8,
    "gentle": 0.6, "kind": 0.7, "kindly": 0.6, "kindness": 0.7, "friendly": 0.7,
    "professional": 0.6, "professionalism": 0.6, "respectful": 0.7, "courteous": 0.7,
    "polite": 0.6, "helpful": 0.6, "informative": 0.5, "reassuring": 0.6, "efficient": 0.6,
    "prompt": 0.5, "promptly": 0.5, "quick": 0.4, "quickly": 0.4, "fast": 0.4, "speedy": 0.5,
    "seamless": 0.7, "painless": 0.6, "convenient": 0.6, "handy": 0.5, "smooth": 0.5,
    "clean": 0.5, "tidy": 0.5, "comfortable": 0.6, "welcoming": 0.7, "cheerful": 0.7,
    "supportive": 0.7, "understanding": 0.5, "empathetic": 0.7, "empathic": 0.7,
    "knowledgeable": 0.6, "competent": 0.6, "skilled": 0.6, "reassured": 0.5,
    "excellent": 0.9, "outstanding": 0.9, "fantastic": 0.9, "amazing": 0.9, "awesome": 0.8,
    "brilliant": 0.9, "superb": 0.9, "marvellous": 0.9, "marvelous": 0.9, "lovely": 0.8,
    "wonderful": 0.9, "great": 0.8, "good": 0.6, "nice": 0.6, "fine": 0.4, "ok": 0.3,
    "okay": 0.3, "decent": 0.4, "perfect": 0.9, "perfectly": 0.8, "faultless": 0.9,
    "fab": 0.8, "sweet": 0.6, "warm": 0.5, "angels": 0.9, "angel": 0.8, "heroes": 0.8,
    "love": 0.7, "loved": 0.7, "loves": 0.7, "like": 0.0, "liked": 0.4, "enjoyed": 0.6,
    "thank": 0.6, "thanks": 0.5, "thankyou": 0.6, "thankful": 0.7, "grateful": 0.8,
    "appreciate": 0.6, "appreciated": 0.6, "appreciative": 0.6, "recommend": 0.7,
    "recommended": 0.6, "impressed": 0.7, "pleased": 0.7, "happy": 0.7, "glad": 0.6,
    "satisfied": 0.6, "safe": 0.5, "listened": 0.5, "listens": 0.5, "explains": 0.4,
    "explained": 0.3, "lifesaver": 0.9, "gem": 0.8, "best": 0.8, "better": 0.3,
    "improvement": 0.3, "refreshing": 0.6, "easy": 0.5, "breeze": 0.6, "goat": 0.8,
    "legit": 0.5, "superstar": 0.9, "exceptional": 0.9, "incredible": 0.8, "wow": 0.5,
    "unmatched": 0.8, "above": 0.0, "bearable": 0.2, "hope": 0.3, "helped": 0.5,
    "respected": 0.6, "valued": 0.6, "calm": 0.4, "patient": 0.0, "fun": 0.6,
    "accommodating": 0.7, "approachable": 0.6, "dedicated": 0.6, "wonderfully": 0.8,
    # criticism
    "dismissive": -0.7, "dismissed": -0.6, "understaffed": -0.6, "short-staffed": -0.6,
    "nightmare": -0.8, "unprofessional": -0.7, "rude": -0.7, "rudely": -0.7,
    "condescending": -0.7, "patronising": -0.7, "patronizing": -0.7, "arrogant": -0.7,
    "disrespectful": -0.8, "uncaring": -0.8, "careless": -0.7, "incompetent": -0.8,
    "negligent": -0.8, "neglected": -0.8, "ignored": -0.7, "ignoring": -0.6,
    "rushed": -0.5, "hurried": -0.5, "upsell": -0.5, "pushy": -0.6, "dirty": -0.7,
    "filthy": -0.9, "disgusting": -0.9, "gross": -0.7,
    "horrible": -0.9, "terrible": -0.9, "awful": -0.9, "appalling": -0.9, "dreadful": -0.9,
    "atrocious": -0.9, "worst": -1.0, "bad": -0.6, "poor": -0.6, "poorly": -0.6,
    "unacceptable": -0.8, "disappointed": -0.6, "disappointing": -0.6, "frustrating": -0.6,
    "frustrated": -0.6, "annoyed": -0.5, "irritated": -0.5, "angry": -0.6, "upset": -0.6,
    "confusing": -0.5, "confused": -0.4, "chaotic": -0.6, "disorganized": -0.6,
    "disorganised": -0.6, "inedible": -0.8, "cold": -0.3, "freezing": -0.5, "noisy": -0.5,
    "smelly": -0.6, "stinks": -0.6, "broken": -0.5, "slow": -0.5, "late": -0.4,
    "delayed": -0.4, "overcharged": -0.7, "ripoff": -0.8, "scam": -0.8, "expensive": -0.5,
    "overpriced": -0.6, "steep": -0.4, "hate": -0.7, "hated": -0.7, "useless": -0.8,
    "pointless": -0.6, "impossible": -0.6, "scary": -0.4, "scared": -0.3, "terrified": -0.5,
    "humiliated": -0.8, "humiliating": -0.8, "embarrassed": -0.6, "exposed": -0.5,
    "unsafe": -0.8, "dangerous": -0.8, "shocking": -0.8, "shocked": -0.5, "lied": -0.8,
    "lying": -0.5, "liar": -0.8, "mistake": -0.5, "mistakes": -0.5, "error": -0.4,
    "wrong": -0.5, "lost": -0.3, "missed": -0.3, "forgot": -0.4, "forgotten": -0.4,
    "complain": -0.4, "complained": -0.5, "complaint": -0.5, "waste": -0.6, "wasted": -0.6,
    "stressful": -0.5, "stressed": -0.4, "painful": -0.5, "suffer": -0.6, "suffered": -0.6,
    "suffering": -0.6, "agony": -0.8, "unhelpful": -0.6, "unfriendly": -0.6,
    "uncomfortable": -0.5, "cramped": -0.4, "crowded": -0.4, "packed": -0.2,
    "impersonal": -0.5, "cancelled": -0.3, "canceled": -0.3, "lecture": -0.3,
    "lectured": -0.5, "judged": -0.5, "judgmental": -0.6, "judgemental": -0.6,
    "annoying": -0.5, "ridiculous": -0.7, "joke": -0.4, "pathetic": -0.8, "sloppy": -0.6,
    "mess": -0.5, "messy": -0.5, "crashing": -0.5, "crashes": -0.5, "glitchy": -0.5,
    "buggy": -0.5, "unreliable": -0.6, "unclear": -0.4, "vague": -0.4, "denied": -0.4,
    "rough": -0.5, "harsh": -0.6, "cruel": -0.9, "abrupt": -0.5, "blunt": -0.3,
    "shambles": -0.8, "disgrace": -0.9, "disgraceful": -0.9, "sad": -0.4, "neglect": -0.8,
    "unanswered": -0.5, "unreachable": -0.5, "fault": -0.3, "struggle": -0.4,
    "struggled": -0.4, "struggling": -0.4, "problem": -0.3, "problems": -0.3,
    "issue": -0.2, "issues": -0.2, "worse": -0.5, "unbearable": -0.8, "insulting": -0.8,
    "inadequate": -0.6, "insufficient": -0.5, "lacking": -0.4, "lack": -0.3,
    "unorganized": -0.6, "clueless": -0.6, "inconsiderate": -0.7, "irresponsible": -0.8,
    "unsanitary": -0.9, "unhygienic": -0.9, "grim": -0.6, "miserable": -0.7,
    "inexcusable": -0.9, "unresponsive": -0.6, "sorry": 0.0, "sick": 0.0,
    # "she laughed and said" is narrative, and in a complaint it is mockery, not joy.
    "laughed": 0.0,
}

# Multiplicative modifiers: they scale the next opinion word, never carry polarity alone.
INTENSIFIERS: dict[str, float] = {
    "very": 1.3, "so": 1.3, "really": 1.3, "extremely": 1.6, "incredibly": 1.5,
    "super": 1.4, "absolutely": 1.5, "totally": 1.3, "completely": 1.4, "truly": 1.3,
    "genuinely": 1.2, "most": 1.3, "highly": 1.4, "exceptionally": 1.5, "utterly": 1.6,
    "especially": 1.2, "such": 1.3, "beyond": 1.3, "too": 1.2, "straight": 1.2,
}
DIMINISHERS: dict[str, float] = {
    "slightly": 0.5, "somewhat": 0.6, "bit": 0.6, "little": 0.6, "fairly": 0.8,
    "kinda": 0.7, "kind of": 0.7, "pretty": 0.9, "mostly": 0.8, "quite": 0.9,
    "rather": 0.8, "barely": 0.5, "a bit": 0.6,
}

NEGATORS = frozenset(
    [
        "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot", "cant",
        "can't", "don't", "dont", "didn't", "didnt", "doesn't", "doesnt", "isn't", "isnt", "wasn't",
        "wasnt", "weren't", "werent", "won't", "wont", "wouldn't", "wouldnt", "couldn't", "couldnt",
        "shouldn't", "shouldnt", "haven't", "havent", "hasn't", "hasnt", "hadn't", "hadnt",
        "aren't", "arent", "ain't", "without", "hardly", "lack", "lacked", "zero", "n't", "less"
    ]
)

EMOJI: dict[str, float] = {
    "❤": 0.8, "❤️": 0.8, "😊": 0.7, "🙂": 0.5, "😀": 0.7, "😃": 0.7, "😄": 0.7, "😁": 0.7,
    "👍": 0.6, "👏": 0.7, "🙏": 0.6, "💯": 0.7, "🌟": 0.7, "⭐": 0.6, "🥰": 0.8, "😍": 0.8,
    "💕": 0.8, "💖": 0.8, "💙": 0.7, "💜": 0.7, "💚": 0.7, "🎉": 0.6, "🤗": 0.6, "✨": 0.4,
    "😡": -0.8, "😠": -0.7, "🤬": -0.9, "😤": -0.6, "😞": -0.6, "😢": -0.6, "😭": -0.6,
    "👎": -0.7, "🤮": -0.9, "🤢": -0.8, "😒": -0.5, "🙄": -0.5, "😩": -0.6, "😫": -0.6,
    "🥶": -0.4, "💩": -0.8, "😔": -0.5, "😣": -0.5, "😖": -0.5, ":)": 0.5, ":-)": 0.5,
    ":(": -0.5, ":-(": -0.5,
}
# Emojis that mark irony rather than carry polarity of their own.
IRONY_EMOJI = frozenset({"🙃", "🤡", "🙄", "😒"})

def _textblob_path(name: str) -> str:
    import textblob

    return os.path.join(os.path.dirname(textblob.__file__), "en", name)


def _load_textblob_polarity() -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    # The file ships inside the installed textblob package: trusted input.
    tree = ET.parse(_textblob_path("en-sentiment.xml"))  # noqa: S314
    for node in tree.getroot().iter("word"):
        form = (node.get("form") or "").lower()
        if not form or " " in form:
            continue
        sums.setdefault(form, []).append(float(node.get("polarity") or 0.0))
    table = {}
    for form, values in sums.items():
        mean = sum(values) / len(values)
        if form not in _NEUTRALISED and abs(mean) >= 0.1:
            table[form] = round(mean, 3)
    return table


# lru_cache makes the one-time load lazy and safe to call from many threads: at worst two
# threads build the same immutable table once each at start-up.
@cache
def polarity_table() -> Mapping[str, float]:
    """TextBlob's adjective polarities overlaid with the healthcare lexicon."""
    merged = _load_textblob_polarity()
    merged.update(DOMAIN)
    return MappingProxyType({k: v for k, v in merged.items() if v != 0.0})


@cache
def vocabulary() -> frozenset[str]:
    """Known English word forms (TextBlob's Brill lexicon), used to tell typos from words."""
    words: set[str] = set()
    with open(_textblob_path("en-lexicon.txt"), encoding="utf-8") as handle:
        for line in handle:
            word = line.split(" ", 1)[0].lower()
            if word.isalpha():
                words.add(word)
    return frozenset(words)
