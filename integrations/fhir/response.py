"""A finished survey response -> FHIR R4 QuestionnaireResponse, for analysis exports.

It carries no subject, author or source: nothing that identifies the patient. Answers are typed
per item (valueInteger for nps/rating, valueCoding for scales and choices, valueString for free
text); unanswered items, and items whose show-if is not met, are left out, as a FHIR form filler
would leave out disabled items.
"""

from __future__ import annotations

from typing import Any

from integrations.fhir.codes import CHOICE_TYPES, DEFAULT_LANGUAGE, NUMERIC_TYPES, SCALES
from integrations.fhir.errors import FhirError
from integrations.fhir.questionnaire import coding

Answer = int | str | list[str]


def questionnaire_response(
    definition: dict[str, Any],
    answers: dict[str, Answer],
    *,
    questionnaire_url: str,
    response_id: str,
    authored: str,
    language: str = "en",
    status: str = "completed",
) -> dict[str, Any]:
    """The QuestionnaireResponse of `answers` (question key -> value) to `definition`.

    Item texts are in `language` (English where a text has no translation); codings keep the
    English display of our code systems. FhirError lists every answer that does not fit its
    question (messages name the question, never the answer given).
    """
    questions = definition.get("questions") or []
    known = {question["key"] for question in questions}
    problems = [f"answer {key!r}: no such question" for key in answers if key not in known]
    given: dict[str, list[str]] = {}
    items: list[dict[str, Any]] = []
    for question in questions:
        key = question["key"]
        if key not in answers or not _shown(question, given):
            continue
        typed = _typed_answers(question, answers[key], problems)
        if not typed:
            continue
        given[key] = [_plain(answer) for answer in typed]
        text = question.get("text") or {}
        items.append(
            {
                "linkId": key,
                "text": text.get(language) or text.get(DEFAULT_LANGUAGE, ""),
                "answer": typed,
            }
        )
    if problems:
        raise FhirError(problems)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "language": language,
        "questionnaire": questionnaire_url,
        "status": status,
        "authored": authored,
    }
    if items:
        resource["item"] = items
    return resource


def _shown(question: dict[str, Any], given: dict[str, list[str]]) -> bool:
    show_if = question.get("show_if")
    if not show_if:
        return True
    return any(value in show_if["in"] for value in given.get(show_if["question"], []))


def _plain(answer: dict[str, Any]) -> str:
    if "valueInteger" in answer:
        return str(answer["valueInteger"])
    if "valueCoding" in answer:
        return str(answer["valueCoding"]["code"])
    return str(answer.get("valueString", ""))


def _typed_answers(
    question: dict[str, Any], value: Answer, problems: list[str]
) -> list[dict[str, Any]]:
    key, kind = question["key"], question["type"]
    if value is None or value == "" or value == []:
        return []
    if kind in NUMERIC_TYPES:
        low, high = NUMERIC_TYPES[kind]
        number = _integer(value)
        if number is None or not low <= number <= high:
            problems.append(f"answer {key!r}: expected a whole number {low}-{high}")
            return []
        return [{"valueInteger": number}]
    if kind == "free_text":
        if not isinstance(value, str):
            problems.append(f"answer {key!r}: expected text")
            return []
        return [{"valueString": value.strip()}] if value.strip() else []
    if kind in SCALES:
        texts = {code: {"en": en} for code, en, _ in SCALES[kind]}
    elif kind in CHOICE_TYPES:
        texts = {o["value"]: {"en": o["text"]["en"]} for o in question.get("options") or []}
    else:
        problems.append(f"answer {key!r}: question type {kind!r} has no FHIR mapping")
        return []
    values = value if isinstance(value, list) else [value]
    if len(values) > 1 and kind != "multiple_choice":
        problems.append(f"answer {key!r}: takes one answer")
        return []
    if not all(isinstance(v, str) and v in texts for v in values):
        problems.append(f"answer {key!r}: not one of the question's options")
        return []
    return [{"valueCoding": coding(kind, code, texts[code])} for code in dict.fromkeys(values)]


def _integer(value: Answer) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
