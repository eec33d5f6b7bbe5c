"""Survey definition <-> FHIR R4 Questionnaire."""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from typing import Any

import pytest

from integrations.fhir import (
    FhirError,
    definition_from_questionnaire,
    questionnaire_from_definition,
)
from integrations.fhir.codes import (
    MAX_VALUE_URL,
    MIN_VALUE_URL,
    SCALE_SYSTEMS,
    SCALES,
    TRANSLATION_URL,
)

ROOT = Path(__file__).resolve().parents[3]
URL = "https://hospital.example.org/fhir/Questionnaire/after-visit"


def export(definition: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    arguments = {"url": URL, "version": "3", "name": "AfterVisit", **overrides}
    return questionnaire_from_definition(definition, **arguments)


def items_by_key(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in questionnaire["item"]}


def spanish(element: dict[str, Any]) -> str:
    (extension,) = element["extension"]
    assert extension["url"] == TRANSLATION_URL
    parts = {part["url"]: part for part in extension["extension"]}
    assert parts["lang"]["valueCode"] == "es"
    return parts["content"]["valueString"]


def test_round_trip_of_every_question_type_is_exact(definition, validate):
    questionnaire = export(definition, date="2025-03-01")
    validate(questionnaire)
    assert definition_from_questionnaire(questionnaire) == definition
    assert {q["type"] for q in definition["questions"]} == {
        "nps", "rating", "frequency", "yes_no", "definitely", "agreement",
        "single_choice", "multiple_choice", "free_text",
    }  # fmt: skip


def test_our_questionnaire_survives_import_and_export_unchanged(definition):
    questionnaire = export(definition, date="2025-03-01")
    again = export(definition_from_questionnaire(questionnaire), date="2025-03-01")
    assert again == questionnaire


def test_questionnaire_header(definition):
    questionnaire = export(definition, status="draft", date="2025-03-01")
    assert questionnaire["resourceType"] == "Questionnaire"
    assert questionnaire["url"] == URL
    assert (questionnaire["version"], questionnaire["name"]) == ("3", "AfterVisit")
    assert (questionnaire["status"], questionnaire["date"]) == ("draft", "2025-03-01")
    assert questionnaire["language"] == "en"
    assert questionnaire["title"] == "After your visit"
    assert spanish(questionnaire["_title"]) == "Después de su visita"
    assert spanish(questionnaire["_description"]) == "Cinco minutos, anónima."
    assert "date" not in export(definition)


def test_numeric_questions_are_bounded_integers(definition):
    item = items_by_key(export(definition))["nps"]
    assert item["type"] == "integer" and item["required"] is True
    bounds = {e["url"]: e.get("valueInteger") for e in item["extension"]}
    assert bounds[MIN_VALUE_URL] == 0 and bounds[MAX_VALUE_URL] == 10
    assert "answerOption" not in item


def test_scales_are_coded_choices_with_spanish_displays(definition):
    item = items_by_key(export(definition))["listened"]
    assert item["type"] == "choice" and "repeats" not in item
    codings = [option["valueCoding"] for option in item["answerOption"]]
    assert [c["code"] for c in codings] == [code for code, _, _ in SCALES["frequency"]]
    assert {c["system"] for c in codings} == {SCALE_SYSTEMS["frequency"]}
    assert codings[3]["display"] == "Always" and spanish(codings[3]["_display"]) == "Siempre"


def test_choices_multiple_choice_free_text_and_translations(definition):
    items = items_by_key(export(definition))
    assert items["channels"]["type"] == "choice" and items["channels"]["repeats"] is True
    options = items["wait_reason"]["answerOption"]
    assert [o["valueCoding"]["code"] for o in options] == ["told", "not_told", "unsure"]
    assert "_display" not in options[2]["valueCoding"]  # no Spanish text, no translation
    assert items["comments"]["type"] == "text" and "_text" not in items["comments"]
    assert spanish(items["nps"]["_text"]) == "¿Nos recomendaría?"


def test_show_if_becomes_enable_when(definition):
    items = items_by_key(export(definition))
    low = items["nps_why"]
    assert low["enableBehavior"] == "any"
    assert [c["answerInteger"] for c in low["enableWhen"]] == list(range(7))
    assert {(c["question"], c["operator"]) for c in low["enableWhen"]} == {("nps", "=")}
    (condition,) = items["wait_reason"]["enableWhen"]
    assert condition["answerCoding"] == {"system": SCALE_SYSTEMS["yes_no"], "code": "yes"}
    codes = [c["answerCoding"]["code"] for c in items["portal_comment"]["enableWhen"]]
    assert codes == ["portal", "walk_in"]


def test_empty_texts_are_left_out_and_come_back_normalised(definition, validate):
    definition["description"] = {"en": "", "es": ""}
    definition["label"] = ""
    definition["questions"][0]["text"]["es"] = ""
    questionnaire = export(definition)
    validate(questionnaire)  # FHIR has no empty strings
    assert "description" not in questionnaire and "_description" not in questionnaire
    back = definition_from_questionnaire(questionnaire)
    assert back["description"] == {"en": ""}
    assert back["questions"][0]["text"] == {"en": "How likely are you to recommend us?"}
    assert back["label"] == ""


def test_a_foreign_questionnaire_is_mapped_by_its_shape(validate):
    questionnaire = {
        "resourceType": "Questionnaire",
        "status": "active",
        "language": "es-MX",
        "title": "Encuesta",
        "_title": {"extension": [translation("en", "Survey")]},
        "item": [
            {
                "linkId": "score", "type": "integer", "text": "Puntaje",
                "extension": [
                    {"url": MIN_VALUE_URL, "valueInteger": 0},
                    {"url": MAX_VALUE_URL, "valueInteger": 10},
                ],
                "_text": {"extension": [translation("en", "Score")]},
            },
            {
                "linkId": "again", "type": "choice", "text": "¿Otra vez?",
                "_text": {"extension": [translation("en", "Again?")]},
                "answerOption": [
                    {"valueCoding": {"system": SCALE_SYSTEMS["yes_no"], "code": "yes"}},
                    {"valueCoding": {"system": SCALE_SYSTEMS["yes_no"], "code": "no"}},
                ],
            },
            {
                "linkId": "note", "type": "string", "text": "Nota",
                "_text": {"extension": [translation("en", "Note")]},
                "enableWhen": [{"question": "score", "operator": "=", "answerInteger": 3}],
            },
        ],
    }  # fmt: skip
    validate(questionnaire)
    definition = definition_from_questionnaire(questionnaire)
    assert definition["title"] == {"en": "Survey", "es": "Encuesta"}
    assert [(q["key"], q["type"]) for q in definition["questions"]] == [
        ("score", "rating"), ("again", "yes_no"), ("note", "free_text"),
    ]  # fmt: skip
    assert definition["questions"][0]["text"] == {"en": "Score", "es": "Puntaje"}
    assert definition["questions"][2]["show_if"] == {"question": "score", "in": ["3"]}


def translation(language: str, text: str) -> dict[str, Any]:
    return {
        "url": TRANSLATION_URL,
        "extension": [
            {"url": "lang", "valueCode": language},
            {"url": "content", "valueString": text},
        ],
    }


def test_every_unsupported_item_is_listed_with_its_place(definition):
    questionnaire = export(definition)
    items = questionnaire["item"]
    items[1]["enableWhen"][0]["operator"] = ">="
    items[2] = {"linkId": "q_photo", "type": "attachment", "text": "Upload a photo"}
    items[4]["answerOption"].append({"valueString": "Sometimes not"})
    items.insert(5, {"linkId": "q_group", "type": "group", "text": "More", "item": [
        {"linkId": "q_inner", "type": "text", "text": "Inner"},
    ]})  # fmt: skip
    items.append({"linkId": "q_when", "type": "date", "text": "When?"})
    items.append({"linkId": "Bad-Id", "type": "text", "text": "Hi"})
    items.append({"linkId": "q_vs", "type": "choice", "text": "Pick",
                  "answerValueSet": "http://example.org/ValueSet/x"})  # fmt: skip
    items.append({"linkId": "q_untitled", "type": "text"})
    with pytest.raises(FhirError) as raised:
        definition_from_questionnaire(questionnaire)
    problems = raised.value.problems
    assert "item 2 (nps_why): enableWhen 1: operator '>=' is not supported (only '=')" in problems
    assert "item 3 (q_photo): type 'attachment' is not supported" in problems
    assert "item 5 (explained): answerOption must be exactly the 'agreement' scale" in problems
    assert "item 6 (q_group): type 'group' is not supported" in problems
    assert "item 6 (q_group): nested items are not supported" in problems
    assert "item 13 (q_when): type 'date' is not supported" in problems
    assert any(p.startswith("item 14 (Bad-Id): linkId must be") for p in problems)
    assert any(p.startswith("item 15 (q_vs): answerValueSet is not supported") for p in problems)
    assert "item 16 (q_untitled): needs English text (text or its translation)" in problems
    assert len(problems) == 9, problems
    assert str(raised.value) == "; ".join(problems)


def test_resource_level_problems():
    with pytest.raises(FhirError) as raised:
        definition_from_questionnaire({"resourceType": "Patient"})
    assert raised.value.problems == ["the resource is not a FHIR Questionnaire"]
    with pytest.raises(FhirError) as raised:
        definition_from_questionnaire(
            {"resourceType": "Questionnaire", "status": "active", "language": "fr"}
        )
    assert raised.value.problems == [
        "language 'fr' is not supported (en or es)",
        "title: needs an English title (title or its translation)",
        "item: a survey needs at least one question",
    ]


def test_enable_when_must_point_back_at_a_known_answer(definition):
    questionnaire = export(definition)
    items = items_by_key(questionnaire)
    items["wait_reason"]["enableWhen"][0]["answerCoding"]["code"] = "maybe"
    items["nps_why"]["enableWhen"][0]["question"] = "comments"  # a later question
    with pytest.raises(FhirError) as raised:
        definition_from_questionnaire(questionnaire)
    assert raised.value.problems == [
        "item 2 (nps_why): enableWhen must refer to exactly one question",
        "item 7 (wait_reason): enableWhen 1: the answer is not one of 'waited''s",
    ]


def test_export_refuses_an_unknown_question_type(definition):
    broken = copy.deepcopy(definition)
    broken["questions"][2]["type"] = "slider"
    broken["questions"][1]["show_if"] = {"question": "nps", "in": ["low"]}
    broken["questions"][6]["show_if"] = {"question": "nowhere", "in": ["yes"]}
    with pytest.raises(FhirError) as raised:
        export(broken)
    assert raised.value.problems == [
        "question 2 (nps_why): show_if does not match an answer of a question",
        "question 3 (overall): type 'slider' has no FHIR mapping",
        "question 7 (wait_reason): show_if does not match an answer of a question",
    ]


def test_scale_table_matches_the_survey_definition():
    """codes.SCALES repeats surveys.definition.SCALES as data; read (not import) the source."""
    source = ROOT / "surveys" / "definition.py"
    tree = ast.parse(source.read_text())
    node = next(
        n for n in ast.walk(tree)
        if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "SCALES"
    )  # fmt: skip
    assert isinstance(node.value, ast.Dict)
    theirs = {
        ast.literal_eval(key): tuple(ast.literal_eval(row) for row in call.args)
        for key, call in zip(node.value.keys, node.value.values, strict=True)
    }
    assert theirs == SCALES


def test_the_fhir_package_imports_none_of_our_upper_floors():
    for path in (ROOT / "integrations" / "fhir").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in ("feedback", "surveys"), (path.name, name)
