"""Survey definitions as plain data: question types, scales, languages, show-if logic.

Pure (no web, no database). A definition is what a `SurveyVersion` stores as JSON, what admins
import and export, and what the FHIR mapping (integrations.fhir) turns into a Questionnaire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Option:
    value: str
    text: dict[str, str]


def _options(*rows: tuple[str, str, str]) -> tuple[Option, ...]:
    return tuple(Option(value, {"en": en, "es": es}) for value, en, es in rows)


# Fixed answer scales per question type; "top box" is the best answer(s) of each scale.
SCALES: dict[str, tuple[Option, ...]] = {
    "frequency": _options(
        ("never", "Never", "Nunca"),
        ("sometimes", "Sometimes", "A veces"),
        ("usually", "Usually", "La mayoría de las veces"),
        ("always", "Always", "Siempre"),
    ),
    "yes_no": _options(("yes", "Yes", "Sí"), ("no", "No", "No")),
    "definitely": _options(
        ("definitely_yes", "Definitely yes", "Definitivamente sí"),
        ("probably_yes", "Probably yes", "Probablemente sí"),
        ("probably_no", "Probably no", "Probablemente no"),
        ("definitely_no", "Definitely no", "Definitivamente no"),
    ),
    "agreement": _options(
        ("strongly_disagree", "Strongly disagree", "Muy en desacuerdo"),
        ("disagree", "Disagree", "En desacuerdo"),
        ("neutral", "Neither agree nor disagree", "Ni de acuerdo ni en desacuerdo"),
        ("agree", "Agree", "De acuerdo"),
        ("strongly_agree", "Strongly agree", "Muy de acuerdo"),
    ),
}
NUMERIC_TYPES = {"nps": (0, 10), "rating": (0, 10)}
CHOICE_TYPES = ("single_choice", "multiple_choice")
QUESTION_TYPES = (*NUMERIC_TYPES, *SCALES, *CHOICE_TYPES, "free_text")


class DefinitionError(ValueError):
    """The definition cannot be used; `problems` lists every reason, each naming its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ShowIf:
    """Show a question only when an earlier question's answer is one of `values`."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    text: dict[str, str]
    required: bool = False
    options: tuple[Option, ...] = ()
    show_if: ShowIf | None = None
    composite: str | None = None
    # For free text: the question the comment answers, passed to the analysis engine.
    analysis_question: str | None = None

    def answer_options(self) -> tuple[Option, ...]:
        return SCALES.get(self.type, self.options)

    def text_in(self, language: str) -> str:
        return self.text.get(language) or self.text[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Definition:
    title: dict[str, str]
    questions: tuple[Question, ...]
    description: dict[str, str] = field(default_factory=dict)
    label: str = ""

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)


def parse_definition(data: Any) -> Definition:
    """Validate and build a definition from its JSON form, reporting every problem at once."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise DefinitionError(["the survey must be a JSON object"])
    title = _texts(data.get("title"), "title", problems)
    description = _texts(
        data.get("description") or {"en": ""}, "description", problems, allow_empty=True
    )
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append("questions: a survey needs at least one question")
        raw_questions = []
    questions: list[Question] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions, start=1):
        place = f"question {index}"
        if not isinstance(raw, dict):
            problems.append(f"{place}: must be an object")
            continue
        key = str(raw.get("key", ""))
        if not KEY_PATTERN.match(key):
            problems.append(f"{place}: key must be lower-case letters, digits or _ (got {key!r})")
        elif key in seen:
            problems.append(f"{place}: key {key!r} is used twice")
        seen.add(key)
        place = f"question {index} ({key})"
        kind = str(raw.get("type", ""))
        if kind not in QUESTION_TYPES:
            problems.append(f"{place}: type must be one of {', '.join(QUESTION_TYPES)}")
        text = _texts(raw.get("text"), f"{place} text", problems)
        options: tuple[Option, ...] = ()
        if kind in CHOICE_TYPES:
            options = _parse_options(raw.get("options"), place, problems)
        elif raw.get("options"):
            problems.append(f"{place}: only choice questions take options")
        show_if = None
        if raw.get("show_if") is not None:
            show_if = _parse_show_if(raw["show_if"], place, questions, problems)
        questions.append(
            Question(
                key=key,
                type=kind,
                text=text,
                required=bool(raw.get("required", False)),
                options=options,
                show_if=show_if,
                composite=raw.get("composite") or None,
                analysis_question=raw.get("analysis_question") or None,
            )
        )
    if problems:
        raise DefinitionError(problems)
    return Definition(
        title=title,
        questions=tuple(questions),
        description=description,
        label=str(data.get("label", "")),
    )


def _texts(
    value: Any, place: str, problems: list[str], allow_empty: bool = False
) -> dict[str, str]:
    if isinstance(value, str):
        value = {DEFAULT_LANGUAGE: value}
    if not isinstance(value, dict) or (not allow_empty and not str(value.get("en", "")).strip()):
        problems.append(f"{place}: needs English text (and may have Spanish: {{'en': …, 'es': …}})")
        return {"en": ""}
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        problems.append(f"{place}: unsupported language(s) {', '.join(sorted(unknown))}")
    return {language: str(text) for language, text in value.items() if language in LANGUAGES}


def _parse_options(value: Any, place: str, problems: list[str]) -> tuple[Option, ...]:
    if not isinstance(value, list) or len(value) < 2:
        problems.append(f"{place}: a choice question needs at least two options")
        return ()
    options = []
    for number, raw in enumerate(value, start=1):
        if not isinstance(raw, dict) or not KEY_PATTERN.match(str(raw.get("value", ""))):
            problems.append(
                f"{place} option {number}: needs a value of lower-case letters/digits/_"
            )
            continue
        text = _texts(raw.get("text"), f"{place} option {number}", problems)
        options.append(Option(str(raw["value"]), text))
    if len({option.value for option in options}) != len(options):
        problems.append(f"{place}: option values must be unique")
    return tuple(options)


def _parse_show_if(
    value: Any, place: str, earlier: list[Question], problems: list[str]
) -> ShowIf | None:
    if not isinstance(value, dict):
        problems.append(f"{place}: show_if must be {{'question': KEY, 'in': [VALUES]}}")
        return None
    target = next((q for q in earlier if q.key == value.get("question")), None)
    if target is None:
        problems.append(f"{place}: show_if must refer to an earlier question")
        return None
    values = value.get("in")
    if not isinstance(values, list) or not values:
        problems.append(f"{place}: show_if needs a non-empty 'in' list")
        return None
    allowed = {option.value for option in target.answer_options()}
    if target.type in NUMERIC_TYPES:
        low, high = NUMERIC_TYPES[target.type]
        allowed = {str(number) for number in range(low, high + 1)}
    wrong = [str(v) for v in values if str(v) not in allowed]
    if wrong or target.type == "free_text":
        problems.append(
            f"{place}: show_if values {wrong or values} are not answers of {target.key!r}"
        )
        return None
    return ShowIf(question=target.key, values=tuple(str(v) for v in values))


def definition_to_data(definition: Definition) -> dict[str, Any]:
    """The JSON form (the inverse of parse_definition)."""
    return {
        "title": dict(definition.title),
        "description": dict(definition.description),
        "label": definition.label,
        "questions": [
            {
                "key": q.key,
                "type": q.type,
                "text": dict(q.text),
                "required": q.required,
                **(
                    {"options": [{"value": o.value, "text": dict(o.text)} for o in q.options]}
                    if q.type in CHOICE_TYPES
                    else {}
                ),
                **(
                    {"show_if": {"question": q.show_if.question, "in": list(q.show_if.values)}}
                    if q.show_if
                    else {}
                ),
                **({"composite": q.composite} if q.composite else {}),
                **({"analysis_question": q.analysis_question} if q.analysis_question else {}),
            }
            for q in definition.questions
        ],
    }
