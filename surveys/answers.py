"""Checking a submitted form against a survey definition. Pure: no web, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from surveys.definition import NUMERIC_TYPES, Definition, Question

MAX_TEXT_LENGTH = 5000
ERRORS = {
    "required": {"en": "Please answer this question.", "es": "Por favor, responda esta pregunta."},
    "invalid": {
        "en": "Please choose one of the answers shown.",
        "es": "Por favor, elija una de las respuestas que se muestran.",
    },
    "too_long": {
        "en": f"Please keep your answer under {MAX_TEXT_LENGTH} characters.",
        "es": f"Por favor, escriba menos de {MAX_TEXT_LENGTH} caracteres.",
    },
}


@dataclass(frozen=True)
class CheckedAnswer:
    question_key: str
    value: str  # a scale/option value, a number as text, free text, or values joined by ","
    numeric_value: int | None


@dataclass(frozen=True)
class CheckResult:
    answers: tuple[CheckedAnswer, ...]
    errors: dict[str, str]  # question key -> message in the respondent's language

    @property
    def ok(self) -> bool:
        return not self.errors


def is_shown(question: Question, given: Mapping[str, CheckedAnswer]) -> bool:
    if question.show_if is None:
        return True
    answer = given.get(question.show_if.question)
    return answer is not None and answer.value in question.show_if.values


def check_answers(
    definition: Definition, form: Mapping[str, Sequence[str]], language: str = "en"
) -> CheckResult:
    """Every visible question's answer checked; hidden questions' answers are dropped."""
    given: dict[str, CheckedAnswer] = {}
    errors: dict[str, str] = {}

    def error(key: str, kind: str) -> None:
        errors[key] = ERRORS[kind].get(language, ERRORS[kind]["en"])

    for question in definition.questions:
        if not is_shown(question, given):
            continue
        raw = [value.strip() for value in form.get(question.key, ()) if value.strip()]
        if not raw:
            if question.required:
                error(question.key, "required")
            continue
        if question.type == "free_text":
            text = "\n".join(raw)
            if len(text) > MAX_TEXT_LENGTH:
                error(question.key, "too_long")
                continue
            given[question.key] = CheckedAnswer(question.key, text, None)
        elif question.type in NUMERIC_TYPES:
            low, high = NUMERIC_TYPES[question.type]
            if len(raw) != 1 or not raw[0].isdigit() or not low <= int(raw[0]) <= high:
                error(question.key, "invalid")
                continue
            given[question.key] = CheckedAnswer(question.key, raw[0], int(raw[0]))
        else:
            allowed = [option.value for option in question.answer_options()]
            multiple = question.type == "multiple_choice"
            if any(value not in allowed for value in raw) or (len(raw) > 1 and not multiple):
                error(question.key, "invalid")
                continue
            chosen = [value for value in allowed if value in raw]  # keep the scale's order
            position = allowed.index(chosen[0]) if not multiple else None
            given[question.key] = CheckedAnswer(question.key, ",".join(chosen), position)
    return CheckResult(answers=tuple(given.values()), errors=errors)
