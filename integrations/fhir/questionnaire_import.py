"""FHIR R4 Questionnaire -> survey definition (its JSON form), the inverse of the export.

Our own exports carry the question-type extension and map back exactly. Other Questionnaires
are mapped by their FHIR shape (integer 0..10 -> rating, choice coded with one of our scale
systems -> that scale, other choice -> single/multiple choice, text/string -> free_text); what has
no place in our format is reported, every problem with its item, in one FhirError.
"""

from __future__ import annotations

import re
from typing import Any

from integrations.fhir.codes import (
    ANALYSIS_QUESTION_URL,
    CHOICE_TYPES,
    COMPOSITE_URL,
    DEFAULT_LANGUAGE,
    KEY_PATTERN,
    MAX_VALUE_URL,
    MIN_VALUE_URL,
    NUMERIC_TYPES,
    QUESTION_TYPE_URL,
    QUESTION_TYPES,
    SCALE_SYSTEMS,
    SCALES,
    SURVEY_LABEL_URL,
    extension_value,
    language_of,
    read_translations,
)
from integrations.fhir.errors import FhirError
from integrations.fhir.questionnaire import FHIR_ITEM_TYPES

_KEY = re.compile(KEY_PATTERN)
_ANSWER_FIELDS = ("answerInteger", "answerCoding", "answerString", "answerBoolean")


def definition_from_questionnaire(resource: dict[str, Any]) -> dict[str, Any]:
    """The survey definition of a Questionnaire; FhirError lists everything that cannot map."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Questionnaire":
        raise FhirError(["the resource is not a FHIR Questionnaire"])
    problems: list[str] = []
    base = language_of(resource.get("language") or DEFAULT_LANGUAGE)
    if base is None:
        problems.append(f"language {resource.get('language')!r} is not supported (en or es)")
        base = DEFAULT_LANGUAGE
    title = _texts(resource, "title", base)
    if not title.get("en"):
        problems.append("title: needs an English title (title or its translation)")
    description = {"en": "", **_texts(resource, "description", base)}
    items = resource.get("item")
    if not isinstance(items, list) or not items:
        problems.append("item: a survey needs at least one question")
        items = []
    questions: list[dict[str, Any]] = []
    for index, item in enumerate(items, start=1):
        question = _question(item, index, base, questions, problems)
        if question is not None:
            questions.append(question)
    if problems:
        raise FhirError(problems)
    label = extension_value(resource, SURVEY_LABEL_URL)
    return {
        "title": title,
        "description": description,
        "label": label if isinstance(label, str) else "",
        "questions": questions,
    }


def _texts(element: dict[str, Any], field: str, base: str) -> dict[str, str]:
    texts = read_translations(element.get(f"_{field}"))
    value = element.get(field)
    if isinstance(value, str) and value:
        texts[base] = value
    return {language: texts[language] for language in ("en", "es") if language in texts}


def _question(
    item: Any,
    index: int,
    base: str,
    earlier: list[dict[str, Any]],
    problems: list[str],
) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        problems.append(f"item {index}: must be an object")
        return None
    key = item.get("linkId")
    place = f"item {index} ({key})"
    found: list[str] = []
    if not isinstance(key, str) or not _KEY.match(key):
        found.append("linkId must be lower-case letters, digits or _ (at most 40)")
    elif any(question["key"] == key for question in earlier):
        found.append("linkId is used twice")
    kind = _kind(item, found)
    text = _texts(item, "text", base)
    if not text.get("en"):
        found.append("needs English text (text or its translation)")
    if item.get("item"):
        found.append("nested items are not supported")
    if item.get("repeats") and kind not in (None, "multiple_choice"):
        found.append("repeats is only supported on choice items")
    if item.get("answerValueSet"):
        found.append("answerValueSet is not supported; list the answers as answerOption")
    question: dict[str, Any] = {
        "key": key,
        "type": kind,
        "text": text,
        "required": bool(item.get("required", False)),
    }
    if kind in CHOICE_TYPES:
        question["options"] = _options(item, base, found)
    elif kind in SCALES:
        codes = [
            (option.get("valueCoding") or {}).get("code")
            for option in item.get("answerOption") or []
            if isinstance(option, dict)
        ]
        if sorted(map(str, codes)) != sorted(code for code, _, _ in SCALES[kind]):
            found.append(f"answerOption must be exactly the {kind!r} scale")
    if kind is not None and item.get("enableWhen"):
        show_if = _show_if(item, earlier, found)
        if show_if:
            question["show_if"] = show_if
    for field, url in (("composite", COMPOSITE_URL), ("analysis_question", ANALYSIS_QUESTION_URL)):
        value = extension_value(item, url)
        if isinstance(value, str) and value:
            question[field] = value
    problems.extend(f"{place}: {problem}" for problem in found)
    return None if found else question


def _kind(item: dict[str, Any], found: list[str]) -> str | None:
    """Our question type: from our extension when present, else from the FHIR shape."""
    fhir_type = item.get("type")
    declared = extension_value(item, QUESTION_TYPE_URL)
    if declared is not None:
        if declared not in QUESTION_TYPES:
            found.append(f"question-type {declared!r} is not one of ours")
            return None
        if FHIR_ITEM_TYPES[declared] != fhir_type:
            found.append(f"type {fhir_type!r} does not fit question-type {declared!r}")
            return None
        return str(declared)
    if fhir_type in ("text", "string"):
        return "free_text"
    if fhir_type == "integer":
        bounds = (extension_value(item, MIN_VALUE_URL), extension_value(item, MAX_VALUE_URL))
        if bounds != NUMERIC_TYPES["rating"]:
            found.append("integer items must have minValue 0 and maxValue 10 (a 0-10 rating)")
            return None
        return "rating"
    if fhir_type == "choice":
        systems = {
            (option.get("valueCoding") or {}).get("system")
            for option in item.get("answerOption") or []
            if isinstance(option, dict)
        }
        for scale, system in SCALE_SYSTEMS.items():
            if systems == {system}:
                return scale
        return "multiple_choice" if item.get("repeats") else "single_choice"
    found.append(f"type {fhir_type!r} is not supported")
    return None


def _options(item: dict[str, Any], base: str, found: list[str]) -> list[dict[str, Any]]:
    raw = item.get("answerOption")
    if not isinstance(raw, list) or len(raw) < 2:
        if not item.get("answerValueSet"):
            found.append("a choice item needs at least two answerOption entries")
        return []
    options = []
    for number, option in enumerate(raw, start=1):
        coding = option.get("valueCoding") if isinstance(option, dict) else None
        if not isinstance(coding, dict):
            found.append(f"answer option {number}: only valueCoding answers are supported")
            continue
        code = coding.get("code")
        if not isinstance(code, str) or not _KEY.match(code):
            found.append(f"answer option {number}: code must be lower-case letters, digits or _")
            continue
        text = _texts(coding, "display", base) or {"en": code}
        text.setdefault("en", code)
        options.append({"value": code, "text": text})
    if len({option["value"] for option in options}) != len(options):
        found.append("answer option codes must be unique")
    return options


def _show_if(
    item: dict[str, Any], earlier: list[dict[str, Any]], found: list[str]
) -> dict[str, Any] | None:
    conditions = [c for c in item["enableWhen"] if isinstance(c, dict)]
    targets = {condition.get("question") for condition in conditions}
    if len(targets) != 1:
        found.append("enableWhen must refer to exactly one question")
        return None
    if len(conditions) > 1 and item.get("enableBehavior") != "any":
        found.append("enableBehavior must be 'any' when enableWhen has several conditions")
    target = next((q for q in earlier if q["key"] in targets), None)
    if target is None:
        found.append("enableWhen must refer to an earlier, supported question")
        return None
    allowed = _answer_values(target)
    values: list[str] = []
    for number, condition in enumerate(conditions, start=1):
        if condition.get("operator") != "=":
            found.append(
                f"enableWhen {number}: operator {condition.get('operator')!r} "
                "is not supported (only '=')"
            )
            continue
        value = _condition_value(condition)
        if value is None or value not in allowed:
            found.append(f"enableWhen {number}: the answer is not one of {target['key']!r}'s")
            continue
        values.append(value)
    return {"question": target["key"], "in": values} if values else None


def _answer_values(target: dict[str, Any]) -> set[str]:
    kind = target["type"]
    if kind in NUMERIC_TYPES:
        low, high = NUMERIC_TYPES[kind]
        return {str(number) for number in range(low, high + 1)}
    if kind in SCALES:
        return {code for code, _, _ in SCALES[kind]}
    return {option["value"] for option in target.get("options") or []}


def _condition_value(condition: dict[str, Any]) -> str | None:
    present = [field for field in _ANSWER_FIELDS if field in condition]
    if present == ["answerInteger"] and isinstance(condition["answerInteger"], int):
        return str(condition["answerInteger"])
    if present == ["answerCoding"] and isinstance(condition["answerCoding"], dict):
        code = condition["answerCoding"].get("code")
        return code if isinstance(code, str) else None
    return None
