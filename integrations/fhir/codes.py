"""Our FHIR vocabulary: canonical URLs, the fixed answer scales as code systems, translations.

The scale table repeats, as data, the value codes and texts of the survey definition's fixed
scales (integrations may not import `surveys`); a test keeps the two equal. Once Questionnaires
have been exported, these URLs and codes must never change: they are how an exported resource is
recognised as ours when it comes back.
"""

from __future__ import annotations

from typing import Any

FHIR_BASE = "https://patient-feedback-loop.org/fhir"

# Extensions defined by HL7 that we use.
MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"

# Our own extensions (namespaced under FHIR_BASE), each a simple valueCode / valueString.
QUESTION_TYPE_URL = f"{FHIR_BASE}/StructureDefinition/question-type"
COMPOSITE_URL = f"{FHIR_BASE}/StructureDefinition/composite"
ANALYSIS_QUESTION_URL = f"{FHIR_BASE}/StructureDefinition/analysis-question"
SURVEY_LABEL_URL = f"{FHIR_BASE}/StructureDefinition/survey-label"

# Code system of the options of a single/multiple choice question (codes are unique per item).
OPTION_SYSTEM = f"{FHIR_BASE}/CodeSystem/survey-option"

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

NUMERIC_TYPES: dict[str, tuple[int, int]] = {"nps": (0, 10), "rating": (0, 10)}
CHOICE_TYPES = ("single_choice", "multiple_choice")

# (code, English display, Spanish display) per fixed scale, in the order patients see them.
SCALES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "frequency": (
        ("never", "Never", "Nunca"),
        ("sometimes", "Sometimes", "A veces"),
        ("usually", "Usually", "La mayoría de las veces"),
        ("always", "Always", "Siempre"),
    ),
    "yes_no": (("yes", "Yes", "Sí"), ("no", "No", "No")),
    "definitely": (
        ("definitely_yes", "Definitely yes", "Definitivamente sí"),
        ("probably_yes", "Probably yes", "Probablemente sí"),
        ("probably_no", "Probably no", "Probablemente no"),
        ("definitely_no", "Definitely no", "Definitivamente no"),
    ),
    "agreement": (
        ("strongly_disagree", "Strongly disagree", "Muy en desacuerdo"),
        ("disagree", "Disagree", "En desacuerdo"),
        ("neutral", "Neither agree nor disagree", "Ni de acuerdo ni en desacuerdo"),
        ("agree", "Agree", "De acuerdo"),
        ("strongly_agree", "Strongly agree", "Muy de acuerdo"),
    ),
}
SCALE_SYSTEMS: dict[str, str] = {scale: f"{FHIR_BASE}/CodeSystem/{scale}" for scale in SCALES}
QUESTION_TYPES = (*NUMERIC_TYPES, *SCALES, *CHOICE_TYPES, "free_text")


def scale_options(scale: str) -> list[dict[str, Any]]:
    """A fixed scale in the definition's option form: [{"value", "text": {"en", "es"}}]."""
    return [{"value": code, "text": {"en": en, "es": es}} for code, en, es in SCALES[scale]]


def option_system(question_type: str) -> str:
    return SCALE_SYSTEMS.get(question_type, OPTION_SYSTEM)


def language_of(code: Any) -> str | None:
    """'es-MX' -> 'es'; None for a language we do not carry."""
    if not isinstance(code, str):
        return None
    primary = code.split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def translation_element(texts: dict[str, str], base: str) -> dict[str, Any] | None:
    """The `_field` element carrying every non-empty translation other than `base`."""
    extensions = [
        {
            "url": TRANSLATION_URL,
            "extension": [
                {"url": "lang", "valueCode": language},
                {"url": "content", "valueString": text},
            ],
        }
        for language, text in texts.items()
        if language != base and text
    ]
    return {"extension": extensions} if extensions else None


def put_text(target: dict[str, Any], field: str, texts: dict[str, str]) -> None:
    """Set `field` to the English text and `_field` to its translations (FHIR has no "")."""
    if texts.get(DEFAULT_LANGUAGE):
        target[field] = texts[DEFAULT_LANGUAGE]
    element = translation_element(texts, DEFAULT_LANGUAGE)
    if element:
        target[f"_{field}"] = element


def read_translations(element: Any) -> dict[str, str]:
    """{language: text} from a `_field` element's translation extensions (en/es only)."""
    found: dict[str, str] = {}
    if not isinstance(element, dict):
        return found
    for extension in element.get("extension") or []:
        if not isinstance(extension, dict) or extension.get("url") != TRANSLATION_URL:
            continue
        parts = {
            part.get("url"): part
            for part in extension.get("extension") or []
            if isinstance(part, dict)
        }
        language = language_of((parts.get("lang") or {}).get("valueCode"))
        content = parts.get("content") or {}
        text = content.get("valueString") or content.get("valueMarkdown")
        if language and isinstance(text, str) and text:
            found[language] = text
    return found


def extension_value(element: dict[str, Any], url: str) -> Any:
    """The value[x] of the first extension with `url` on `element`, or None."""
    for extension in element.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == url:
            for key, value in extension.items():
                if key.startswith("value"):
                    return value
    return None
