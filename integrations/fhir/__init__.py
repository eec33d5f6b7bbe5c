"""FHIR R4 mapping: survey definitions <-> Questionnaire, responses -> QuestionnaireResponse,
Patient + Encounter Bundles -> visit records. Pure functions on plain dicts, no I/O.

Ground floor: imports none of our packages; survey definitions arrive in their JSON form.
"""

from integrations.fhir.bundle import RowProblem, VisitRecord, visits_from_bundle
from integrations.fhir.errors import FhirError
from integrations.fhir.questionnaire import questionnaire_from_definition
from integrations.fhir.questionnaire_import import definition_from_questionnaire
from integrations.fhir.response import questionnaire_response

__all__ = [
    "FhirError",
    "RowProblem",
    "VisitRecord",
    "definition_from_questionnaire",
    "questionnaire_from_definition",
    "questionnaire_response",
    "visits_from_bundle",
]
