"""Survey definitions and answer checking (pure)."""

from __future__ import annotations

import pytest

from surveys.answers import check_answers
from surveys.definition import DefinitionError, definition_to_data, parse_definition
from surveys.library import CAHPS_STYLE_LABEL, INPATIENT_STAY, LIBRARY


@pytest.mark.parametrize(("key", "name", "data", "visit_types"), LIBRARY)
def test_every_ready_made_survey_is_valid_bilingual_and_round_trips(key, name, data, visit_types):
    definition = parse_definition(data)
    assert definition_to_data(parse_definition(definition_to_data(definition))) == (
        definition_to_data(definition)
    )
    for question in definition.questions:
        assert question.text["en"] and question.text["es"], question.key
    kinds = {question.type for question in definition.questions}
    assert "free_text" in kinds
    if key != "short-nps":
        assert definition.label == CAHPS_STYLE_LABEL


def test_a_broken_definition_reports_every_problem_with_its_place():
    with pytest.raises(DefinitionError) as error:
        parse_definition(
            {
                "title": {"en": "T"},
                "questions": [
                    {"key": "Bad Key", "type": "free_text", "text": {"en": "x"}},
                    {
                        "key": "pick",
                        "type": "single_choice",
                        "text": {"en": "Pick"},
                        "options": [{"value": "a", "text": {"en": "A"}}],
                    },
                    {
                        "key": "later",
                        "type": "yes_no",
                        "text": {"en": "Q", "fr": "Q"},
                        "show_if": {"question": "nowhere", "in": ["yes"]},
                    },
                    {"key": "weird", "type": "slider", "text": {"en": "Q"}},
                ],
            }
        )
    problems = error.value.problems
    assert any("question 1" in p and "key must be lower-case" in p for p in problems)
    assert any("question 2 (pick)" in p and "at least two options" in p for p in problems)
    assert any("question 3 (later)" in p and "unsupported language(s) fr" in p for p in problems)
    assert any("question 3 (later)" in p and "earlier question" in p for p in problems)
    assert any("question 4 (weird)" in p and "type must be one of" in p for p in problems)


def test_answers_are_checked_against_the_scale_and_required_questions():
    definition = parse_definition(INPATIENT_STAY)
    result = check_answers(
        definition,
        {
            "nurses_courtesy": ["always"],
            "help_quickly": ["sometimes", "always"],
            "room_clean": ["spotless"],
            "overall_rating": [],
        },
        language="es",
    )
    assert result.errors == {
        "help_quickly": "Por favor, elija una de las respuestas que se muestran.",
        "room_clean": "Por favor, elija una de las respuestas que se muestran.",
        "overall_rating": "Por favor, responda esta pregunta.",
    }


def test_hidden_questions_are_dropped_and_values_normalised():
    definition = parse_definition(INPATIENT_STAY)
    result = check_answers(
        definition,
        {
            "new_medicine": ["no"],
            "medicine_explained": ["always"],
            "overall_rating": ["9"],
            "improve": ["  More quiet at night.  "],
        },
    )
    assert result.ok
    given = {answer.question_key: answer for answer in result.answers}
    assert "medicine_explained" not in given  # shown only after "yes"
    assert given["overall_rating"].numeric_value == 9
    assert given["improve"].value == "More quiet at night."
    shown = check_answers(
        definition,
        {"new_medicine": ["yes"], "medicine_explained": ["usually"], "overall_rating": ["10"]},
    )
    assert {a.question_key for a in shown.answers} >= {"medicine_explained"}


def test_numbers_outside_the_scale_are_refused():
    definition = parse_definition(INPATIENT_STAY)
    for bad in (["11"], ["-1"], ["7.5"], ["ten"]):
        assert "overall_rating" in check_answers(definition, {"overall_rating": bad}).errors
