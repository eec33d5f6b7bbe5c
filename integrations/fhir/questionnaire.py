"""Survey definition (its JSON form) -> FHIR R4 Questionnaire.

nps and rating become `integer` items bounded by the core minValue/maxValue extensions rather
than `choice` items listing 0..10: answers stay numbers (valueInteger, so NPS arithmetic works on
exported responses), enableWhen compares with answerInteger, and the bounds validate. The two
share one FHIR shape, so every item also carries our question-type extension; that, plus the
composite / analysis-question / survey-label extensions, makes import -> export exact.
"""

from __future__ import annotations

from typing import Any

from integrations.fhir.codes import (
    ANALYSIS_QUESTION_URL,
    CHOICE_TYPES,
    COMPOSITE_URL,
    DEFAULT_LANGUAGE,
    MAX_VALUE_URL,
    MIN_VALUE_URL,
    NUMERIC_TYPES,
    QUESTION_TYPE_URL,
    SCALES,
    SURVEY_LABEL_URL,
    option_system,
    put_text,
    scale_options,
)
from integrations.fhir.errors import FhirError

FHIR_ITEM_TYPES = {
    **dict.fromkeys(NUMERIC_TYPES, "integer"),
    **dict.fromkeys((*SCALES, *CHOICE_TYPES), "choice"),
    "free_text": "text",
}


def questionnaire_from_definition(
    definition: dict[str, Any],
    *,
    url: str,
    version: str,
    name: str,
    status: str = "active",
    date: str | None = None,
) -> dict[str, Any]:
    """A FHIR R4 Questionnaire for a survey definition (the dict of `definition_to_data`).

    Raises FhirError when a question has a type this mapping does not know.
    """
    questions = definition.get("questions") or []
    by_key = {question["key"]: question for question in questions}
    problems = _problems(questions, by_key)
    if problems:
        raise FhirError(problems)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "language": DEFAULT_LANGUAGE,
        "url": url,
        "version": version,
        "name": name,
        "status": status,
    }
    if definition.get("label"):
        resource["extension"] = [{"url": SURVEY_LABEL_URL, "valueString": definition["label"]}]
    put_text(resource, "title", definition.get("title") or {})
    if date:
        resource["date"] = date
    put_text(resource, "description", definition.get("description") or {})
    resource["item"] = [_item(question, by_key) for question in questions]
    return resource


def _problems(questions: list[dict[str, Any]], by_key: dict[str, dict[str, Any]]) -> list[str]:
    """What a (normally already validated) definition has that FHIR cannot carry."""
    problems = []
    for index, question in enumerate(questions, start=1):
        place = f"question {index} ({question.get('key')})"
        if question.get("type") not in FHIR_ITEM_TYPES:
            problems.append(f"{place}: type {question.get('type')!r} has no FHIR mapping")
        show_if = question.get("show_if")
        if show_if:
            target = by_key.get(show_if.get("question"), {})
            numeric = target.get("type") in NUMERIC_TYPES
            if not target or (numeric and not all(str(v).isdigit() for v in show_if["in"])):
                problems.append(f"{place}: show_if does not match an answer of a question")
    return problems


def _item(question: dict[str, Any], by_key: dict[str, dict[str, Any]]) -> dict[str, Any]:
    kind = question["type"]
    extensions: list[dict[str, Any]] = [{"url": QUESTION_TYPE_URL, "valueCode": kind}]
    if kind in NUMERIC_TYPES:
        low, high = NUMERIC_TYPES[kind]
        extensions += [
            {"url": MIN_VALUE_URL, "valueInteger": low},
            {"url": MAX_VALUE_URL, "valueInteger": high},
        ]
    if question.get("composite"):
        extensions.append({"url": COMPOSITE_URL, "valueString": question["composite"]})
    if question.get("analysis_question"):
        extensions.append(
            {"url": ANALYSIS_QUESTION_URL, "valueString": question["analysis_question"]}
        )
    item: dict[str, Any] = {"extension": extensions, "linkId": question["key"]}
    put_text(item, "text", question.get("text") or {})
    item["type"] = FHIR_ITEM_TYPES[kind]
    show_if = question.get("show_if")
    if show_if:
        target = by_key.get(show_if["question"], {})
        item["enableWhen"] = [
            {"question": show_if["question"], "operator": "=", **_answer(target, value)}
            for value in show_if["in"]
        ]
        item["enableBehavior"] = "any"
    item["required"] = bool(question.get("required", False))
    if kind == "multiple_choice":
        item["repeats"] = True
    if FHIR_ITEM_TYPES[kind] == "choice":
        options = scale_options(kind) if kind in SCALES else question.get("options") or []
        item["answerOption"] = [
            {"valueCoding": coding(kind, option["value"], option["text"])} for option in options
        ]
    return item


def coding(kind: str, code: str, texts: dict[str, str] | None = None) -> dict[str, Any]:
    """valueCoding for an answer: our system for the scale or the item's options."""
    value: dict[str, Any] = {"system": option_system(kind), "code": code}
    if texts:
        put_text(value, "display", texts)
    return value


def _answer(target: dict[str, Any], value: str) -> dict[str, Any]:
    kind = target.get("type")
    if kind in NUMERIC_TYPES:
        return {"answerInteger": int(value)}
    return {"answerCoding": coding(str(kind), value)}
