"""Language detection by stopwords and telltale characters, plus small non-English lexicons.

Surveys are offered in English and Spanish; reviews arrive in anything. A comment in another
language must be reported as such instead of being scored as neutral English (no English
opinion word matches, so it would look like a bland fact). The detector counts function words
per language; the characters ñ ¿ ¡ ç ß ã õ break ties in short texts.
"""

from __future__ import annotations

import re

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "to",
            "was",
            "i",
            "a",
            "of",
            "my",
            "in",
            "it",
            "is",
            "for",
            "me",
            "that",
            "they",
            "with",
            "not",
            "at",
            "this",
            "were",
            "had",
            "have",
            "on",
            "be",
            "so",
            "but",
            "very",
            "we",
            "you",
            "he",
            "she",
            "her",
            "his",
            "our",
            "are",
            "no",
            "all",
            "an",
            "as",
            "from",
            "there",
            "would",
            "did",
            "what",
            "when",
            "been",
            "just",
            "could",
            "about",
            "after",
            "up",
            "out",
            "who",
            "after",
            "an",
            "by",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "de",
            "del",
            "que",
            "y",
            "en",
            "un",
            "una",
            "es",
            "por",
            "con",
            "para",
            "no",
            "muy",
            "se",
            "me",
            "mi",
            "lo",
            "le",
            "al",
            "pero",
            "fue",
            "como",
            "más",
            "mas",
            "su",
            "sus",
            "nos",
            "esta",
            "este",
            "está",
            "estaba",
            "todo",
            "nada",
            "nadie",
            "porque",
            "cuando",
            "también",
            "hay",
            "ha",
            "he",
            "sin",
            "sobre",
            "entre",
            "ya",
            "donde",
            "usted",
            "ellos",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "de",
            "des",
            "du",
            "et",
            "est",
            "un",
            "une",
            "que",
            "qui",
            "pour",
            "pas",
            "très",
            "tres",
            "je",
            "j",
            "mon",
            "ma",
            "mes",
            "dans",
            "avec",
            "sur",
            "ce",
            "cette",
            "été",
            "au",
            "aux",
            "il",
            "elle",
            "nous",
            "vous",
            "ne",
            "tout",
            "mais",
            "ont",
            "c",
            "était",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ich",
            "ein",
            "eine",
            "mit",
            "war",
            "sehr",
            "zu",
            "den",
            "dem",
            "des",
            "auf",
            "für",
            "es",
            "sie",
            "wir",
            "mein",
            "meine",
            "aber",
            "auch",
            "wurde",
            "bei",
            "von",
            "nach",
            "kein",
            "keine",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "de",
            "do",
            "da",
            "dos",
            "das",
            "e",
            "que",
            "em",
            "um",
            "uma",
            "não",
            "nao",
            "muito",
            "para",
            "com",
            "por",
            "foi",
            "meu",
            "minha",
            "ao",
            "no",
            "na",
            "se",
            "mas",
            "mais",
            "também",
            "ele",
            "ela",
            "nós",
            "está",
            "estava",
        ]
    ),
}
_MARKS = {"es": "ñ¿¡", "fr": "çèêàùœ", "de": "ßäöü", "pt": "ãõç"}
# word -> the languages that list it as a stopword: one dict lookup per word.
_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPWORDS.items():
    for _w in _words:
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _lang)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# Enough vocabulary to tell praise from complaint in a Spanish survey answer. Other detected
# languages are reported, and scored only by the few words below.
FOREIGN_POLARITY: dict[str, dict[str, float]] = {
    "es": {
        "bueno": 0.6,
        "buena": 0.6,
        "buenos": 0.6,
        "buenas": 0.6,
        "excelente": 0.9,
        "excelentes": 0.9,
        "amable": 0.7,
        "amables": 0.7,
        "atento": 0.6,
        "atenta": 0.6,
        "atentos": 0.6,
        "gracias": 0.6,
        "agradecido": 0.7,
        "agradecida": 0.7,
        "maravilloso": 0.9,
        "maravillosa": 0.9,
        "genial": 0.8,
        "rápido": 0.5,
        "rapido": 0.5,
        "rápida": 0.5,
        "limpio": 0.5,
        "limpia": 0.5,
        "paciencia": 0.5,
        "profesional": 0.6,
        "profesionales": 0.6,
        "recomiendo": 0.7,
        "contento": 0.7,
        "contenta": 0.7,
        "mejor": 0.5,
        "increíble": 0.8,
        "perfecto": 0.9,
        "bien": 0.5,
        "cariño": 0.7,
        "sonriendo": 0.6,
        "sonriente": 0.6,
        "explicó": 0.4,
        "explicaron": 0.4,
        "malo": -0.6,
        "mala": -0.6,
        "malos": -0.6,
        "pésimo": -0.9,
        "pesimo": -0.9,
        "pésima": -0.9,
        "terrible": -0.9,
        "horrible": -0.9,
        "grosero": -0.7,
        "grosera": -0.7,
        "groseros": -0.7,
        "sucio": -0.7,
        "sucia": -0.7,
        "lento": -0.5,
        "lenta": -0.5,
        "caro": -0.5,
        "cara": 0.0,
        "nadie": -0.4,
        "nunca": -0.3,
        "esperé": -0.4,
        "esperamos": -0.4,
        "espera": -0.3,
        "esperando": -0.4,
        "peor": -0.8,
        "mal": -0.6,
        "error": -0.5,
        "ignoraron": -0.7,
        "queja": -0.5,
        "decepcionado": -0.6,
        "decepcionada": -0.6,
        "tarde": -0.3,
        "dolor": -0.3,
    },
    "fr": {
        "bon": 0.6,
        "bonne": 0.6,
        "excellent": 0.9,
        "merci": 0.6,
        "gentil": 0.7,
        "mauvais": -0.6,
        "horrible": -0.9,
        "attente": -0.3,
        "sale": -0.6,
    },
    "de": {
        "gut": 0.6,
        "sehr": 0.0,
        "freundlich": 0.7,
        "danke": 0.6,
        "schlecht": -0.6,
        "unfreundlich": -0.7,
        "schmutzig": -0.7,
        "warten": -0.3,
    },
    "pt": {
        "bom": 0.6,
        "boa": 0.6,
        "excelente": 0.9,
        "obrigado": 0.6,
        "obrigada": 0.6,
        "ruim": -0.6,
        "péssimo": -0.9,
        "demora": -0.4,
    },
}
FOREIGN_NEGATORS = frozenset(
    {"no", "nunca", "nadie", "ne", "pas", "nicht", "kein", "não", "nao", "jamás", "ni"}
)


def detect(text: str) -> str:
    """ISO 639-1 code of the comment's language; "und" when there is nothing to judge."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return "und"
    scores = dict.fromkeys(_STOPWORDS, 0)
    for word in words:
        for lang in _LANGS_OF.get(word, ()):
            scores[lang] += 1
    lowered = text.lower()
    if not lowered.isascii():
        for lang, marks in _MARKS.items():
            scores[lang] += 2 * sum(lowered.count(ch) for ch in marks)
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    # Short English answers ("Fine.", "Horrible.") have no stopwords: English is the default
    # unless another language shows positive evidence.
    if scores[best] == 0 or scores[best] <= scores["en"]:
        return "en"
    return best


_SUPERLATIVE = re.compile(r"(\w+?)(?:qu|gu)?ísim([oa])s?$")


def _foreign_value(table: dict[str, float], word: str) -> float | None:
    value = table.get(word)
    if value is None and "ísim" in word:
        # Spanish absolute superlative: "malísima" is a stronger "mala", "buenísimo" "bueno".
        m = _SUPERLATIVE.match(word)
        if m:
            base = table.get(m.group(1) + m.group(2)) or table.get(m.group(1) + "o")
            value = max(-1.0, min(1.0, base * 1.3)) if base else None
    return value


def foreign_is_mixed(reasons: tuple[str, ...]) -> bool:
    """Clear praise and clear criticism among the scored words ("limpio pero … malísima")."""
    values = [float(r.rsplit("(", 1)[1].rstrip(")")) for r in reasons if r.startswith("word (")]
    return any(v >= 0.3 for v in values) and any(v <= -0.3 for v in values)


def foreign_polarity(text: str, language: str) -> tuple[float, tuple[str, ...]]:
    """Average word polarity with simple negation, for a non-English comment."""
    table = FOREIGN_POLARITY.get(language, {})
    words = [w.lower() for w in _WORD.findall(text)]
    values: list[float] = []
    reasons: list[str] = []
    for i, word in enumerate(words):
        value = _foreign_value(table, word)
        if not value:
            continue
        if any(w in FOREIGN_NEGATORS for w in words[max(0, i - 2) : i]) and word not in {
            "nadie",
            "nunca",
        }:
            value = -value * 0.6
            reasons.append(f'negation ({language}): "{word}" -> {value:+.2f}')
        else:
            reasons.append(f'word ({language}): "{word}" ({value:+.2f})')
        values.append(value)
    if not values:
        return 0.0, tuple(reasons)
    return max(-1.0, min(1.0, sum(values) / len(values) * 1.5)), tuple(reasons)
