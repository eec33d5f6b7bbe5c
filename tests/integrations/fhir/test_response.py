"""Survey answers -> FHIR R4 QuestionnaireResponse (for analysis: no patient in it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.fhir import FhirError, questionnaire_response
from integrations.fhir.codes import OPTION_SYSTEM, SCALE_SYSTEMS

URL = "https://hospital.example.org/fhir/Questionnaire/after-visit|3"
AUTHORED = "2025-03-02T14:05:00-05:00"
ANSWERS: dict[str, Any] = {
    "nps": 4,
    "nps_why": "  The nurse never came back.  ",
    "overall": "7",
    "listened": "usually",
    "explained": "agree",
    "waited": "no",
    "wait_reason": "told",  # hidden: shown only when waited == yes
    "channels": ["portal", "phone"],
    "portal_comment": "Hard to find the form",
    "comments": "",
}


def respond(definition: dict[str, Any], answers: dict[str, Any], **overrides: Any) -> dict:
    arguments = {
        "questionnaire_url": URL,
        "response_id": "resp-1",
        "authored": AUTHORED,
        **overrides,
    }
    return questionnaire_response(definition, answers, **arguments)


def answers_by_key(response: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {item["linkId"]: item["answer"] for item in response["item"]}


def test_response_validates_and_types_every_answer(definition, validate):
    response = respond(definition, ANSWERS)
    validate(response)
    assert response["resourceType"] == "QuestionnaireResponse"
    assert (response["id"], response["questionnaire"]) == ("resp-1", URL)
    assert (response["status"], response["authored"], response["language"]) == (
        "completed", AUTHORED, "en",
    )  # fmt: skip
    answers = answers_by_key(response)
    assert answers["nps"] == [{"valueInteger": 4}]
    assert answers["overall"] == [{"valueInteger": 7}]
    assert answers["nps_why"] == [{"valueString": "The nurse never came back."}]
    assert answers["listened"] == [
        {"valueCoding": {"system": SCALE_SYSTEMS["frequency"], "code": "usually",
                         "display": "Usually"}}
    ]  # fmt: skip
    assert answers["channels"] == [
        {"valueCoding": {"system": OPTION_SYSTEM, "code": "portal", "display": "Patient portal"}},
        {"valueCoding": {"system": OPTION_SYSTEM, "code": "phone", "display": "Phone"}},
    ]
    assert answers["portal_comment"] == [{"valueString": "Hard to find the form"}]


def test_hidden_and_unanswered_items_are_left_out(definition):
    response = respond(definition, ANSWERS)
    keys = [item["linkId"] for item in response["item"]]
    assert keys == [
        "nps", "nps_why", "overall", "listened", "explained", "waited", "channels",
        "portal_comment",
    ]  # fmt: skip
    promoter = respond(definition, {**ANSWERS, "nps": 9, "channels": ["phone"]})
    assert "nps_why" not in answers_by_key(promoter)  # shown only for 0-6
    assert "portal_comment" not in answers_by_key(promoter)


def test_a_question_behind_a_hidden_question_is_hidden_too(definition):
    definition["questions"].append(
        {
            "key": "told_more",
            "type": "free_text",
            "text": {"en": "What were you told?"},
            "required": False,
            "show_if": {"question": "wait_reason", "in": ["told"]},
        }
    )
    answers = {"nps": 10, "waited": "no", "wait_reason": "told", "told_more": "A delay"}
    response = respond(definition, answers)
    assert [item["linkId"] for item in response["item"]] == ["nps", "waited"]
    shown = respond(definition, {**answers, "waited": "yes"})
    assert [item["linkId"] for item in shown["item"]] == [
        "nps", "waited", "wait_reason", "told_more",
    ]  # fmt: skip


def test_no_patient_identifiers_travel(definition, validate):
    response = respond(definition, ANSWERS)
    for field in ("subject", "author", "source", "encounter", "basedOn", "partOf", "identifier"):
        assert field not in response
    assert '"reference"' not in json.dumps(response)  # no reference to anything at all
    validate(response)


def test_spanish_response_uses_spanish_texts(definition, validate):
    response = respond(definition, ANSWERS, language="es", status="in-progress")
    validate(response)
    texts = {item["linkId"]: item["text"] for item in response["item"]}
    assert texts["nps"] == "¿Nos recomendaría?"
    assert response["language"] == "es" and response["status"] == "in-progress"
    english = respond(definition, {"comments": "ok"}, language="es")
    assert english["item"][0]["text"] == "Anything else?"  # no Spanish text: English


def test_an_empty_response_has_no_items(definition, validate):
    response = respond(definition, {})
    assert "item" not in response
    validate(response)


def test_wrong_answers_are_all_reported_without_their_values(definition):
    wrong = {
        "nps": 11,
        "overall": True,
        "listened": "often",
        "waited": ["yes", "no"],
        "channels": ["portal", "fax"],
        "comments": ["My MRN is 12345"],
        "unknown_key": "x",
    }
    with pytest.raises(FhirError) as raised:
        respond(definition, wrong)
    assert raised.value.problems == [
        "answer 'unknown_key': no such question",
        "answer 'nps': expected a whole number 0-10",
        "answer 'overall': expected a whole number 0-10",
        "answer 'listened': not one of the question's options",
        "answer 'waited': takes one answer",
        "answer 'channels': not one of the question's options",
        "answer 'comments': expected text",
    ]
    assert "12345" not in str(raised.value)
