"""The FHIR R4 validator used by tests: fhir.resources' R4B models, plus the R4 code bindings.

fhir.resources validates structure, cardinality, primitive formats and value[x] choices; it does
not enforce required code bindings, so `validate` also checks the codes we emit against the
R4 value sets (a few lists copied from the specification).
"""

from __future__ import annotations

import copy
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

MODELS = {
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Bundle": Bundle,
}
# R4 required bindings of the coded elements the mapping writes.
ITEM_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time",
    "string", "text", "url", "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip
PUBLICATION_STATUS = {"draft", "active", "retired", "unknown"}
RESPONSE_STATUS = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}


def validate(resource: dict[str, Any]) -> Any:
    """Parse with the R4(B) model (raises on any structural error) and check bound codes."""
    model = MODELS[resource["resourceType"]].model_validate(copy.deepcopy(resource))
    if resource["resourceType"] == "Questionnaire":
        assert resource["status"] in PUBLICATION_STATUS
        for item in resource["item"]:
            assert item["type"] in ITEM_TYPES
            conditions = item.get("enableWhen", [])
            assert all(condition["operator"] in OPERATORS for condition in conditions)
            if len(conditions) > 1:  # invariant que-12
                assert item["enableBehavior"] in ("any", "all")
            if "answerOption" in item:  # invariant que-5
                assert item["type"] in ("choice", "open-choice")
    if resource["resourceType"] == "QuestionnaireResponse":
        assert resource["status"] in RESPONSE_STATUS
    return model
