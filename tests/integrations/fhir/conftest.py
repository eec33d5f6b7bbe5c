"""Shared data for the FHIR mapping tests (the validator is tests/fhir_validation.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.fhir_validation import validate


def texts(en: str, es: str) -> dict[str, str]:
    return {"en": en, "es": es}


FULL_DEFINITION: dict[str, Any] = {
    "title": texts("After your visit", "Después de su visita"),
    "description": texts("Five minutes, anonymous.", "Cinco minutos, anónima."),
    "label": "Outpatient 2025",
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "text": texts("How likely are you to recommend us?", "¿Nos recomendaría?"),
            "required": True,
        },
        {
            "key": "nps_why",
            "type": "free_text",
            "text": texts("What went wrong?", "¿Qué salió mal?"),
            "required": False,
            "show_if": {"question": "nps", "in": ["0", "1", "2", "3", "4", "5", "6"]},
            "analysis_question": "What could we improve?",
        },
        {
            "key": "overall",
            "type": "rating",
            "text": texts("Rate your care", "Califique su atención"),
            "required": False,
        },
        {
            "key": "listened",
            "type": "frequency",
            "text": texts("Did staff listen to you?", "¿Le escuchó el personal?"),
            "required": True,
            "composite": "communication",
        },
        {
            "key": "explained",
            "type": "agreement",
            "text": texts("Things were explained clearly", "Todo se explicó con claridad"),
            "required": False,
            "composite": "communication",
        },
        {
            "key": "waited",
            "type": "yes_no",
            "text": texts("Did you wait more than 30 minutes?", "¿Esperó más de 30 minutos?"),
            "required": False,
        },
        {
            "key": "wait_reason",
            "type": "single_choice",
            "text": texts("Were you told why?", "¿Le dijeron por qué?"),
            "required": False,
            "options": [
                {"value": "told", "text": texts("Yes, I was told", "Sí, me lo dijeron")},
                {"value": "not_told", "text": texts("No", "No")},
                {"value": "unsure", "text": {"en": "Not sure"}},
            ],
            "show_if": {"question": "waited", "in": ["yes"]},
        },
        {
            "key": "return",
            "type": "definitely",
            "text": texts("Would you come back?", "¿Volvería?"),
            "required": False,
        },
        {
            "key": "channels",
            "type": "multiple_choice",
            "text": texts("How did you book?", "¿Cómo pidió la cita?"),
            "required": False,
            "options": [
                {"value": "phone", "text": texts("Phone", "Teléfono")},
                {"value": "portal", "text": texts("Patient portal", "Portal del paciente")},
                {"value": "walk_in", "text": texts("Walk-in", "Sin cita")},
            ],
        },
        {
            "key": "portal_comment",
            "type": "free_text",
            "text": texts("Anything about the portal?", "¿Algo sobre el portal?"),
            "required": False,
            "show_if": {"question": "channels", "in": ["portal", "walk_in"]},
        },
        {
            "key": "comments",
            "type": "free_text",
            "text": {"en": "Anything else?"},
            "required": False,
        },
    ],
}


@pytest.fixture
def definition() -> dict[str, Any]:
    return copy.deepcopy(FULL_DEFINITION)


@pytest.fixture(name="validate")
def validate_fixture() -> Any:
    return validate
