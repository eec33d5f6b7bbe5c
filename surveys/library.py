"""Ready-made surveys. The items follow the CAHPS family's style but are NOT official CAHPS
instruments (which have licensing and administration rules); they are labelled as such."""

from __future__ import annotations

from typing import Any

CAHPS_STYLE_LABEL = "CAHPS-style (not an official CAHPS survey)"

IMPROVE_EN = "What could we improve?"
WENT_WELL_EN = "What went well?"


def _q(
    key: str,
    kind: str,
    en: str,
    es: str,
    *,
    required: bool = False,
    composite: str | None = None,
    show_if: dict | None = None,
    analysis_question: str | None = None,
) -> dict[str, Any]:
    question: dict[str, Any] = {
        "key": key,
        "type": kind,
        "text": {"en": en, "es": es},
        "required": required,
    }
    if composite:
        question["composite"] = composite
    if show_if:
        question["show_if"] = show_if
    if analysis_question:
        question["analysis_question"] = analysis_question
    return question


def _comments() -> list[dict[str, Any]]:
    return [
        _q(
            "went_well",
            "free_text",
            WENT_WELL_EN,
            "¿Qué salió bien?",
            analysis_question=WENT_WELL_EN,
        ),
        _q(
            "improve",
            "free_text",
            IMPROVE_EN,
            "¿Qué podríamos mejorar?",
            analysis_question=IMPROVE_EN,
        ),
    ]


def _recommend(subject_en: str, subject_es: str) -> dict[str, Any]:
    return _q(
        "recommend",
        "nps",
        f"How likely are you to recommend {subject_en} to friends or family? "
        "(0 = not at all likely, 10 = extremely likely)",
        f"¿Qué tan probable es que recomiende {subject_es} a sus amigos o familiares? "
        "(0 = nada probable, 10 = muy probable)",
        required=True,
    )


CLINIC_VISIT = {
    "title": {"en": "Your recent clinic visit", "es": "Su visita reciente a la clínica"},
    "description": {
        "en": "About 2 minutes. Your answers help us improve care for everyone.",
        "es": "Unos 2 minutos. Sus respuestas nos ayudan a mejorar la atención para todos.",
    },
    "label": CAHPS_STYLE_LABEL,
    "questions": [
        _q(
            "access_appointment",
            "frequency",
            "When you made this appointment, how often did you get it as soon as you needed?",
            "Cuando pidió esta cita, ¿con qué frecuencia la consiguió tan pronto como la necesitaba?",
            composite="access",
        ),
        _q(
            "access_answer",
            "frequency",
            "When you called during office hours, how often did you get an answer the same day?",
            "Cuando llamó en horario de oficina, ¿con qué frecuencia obtuvo respuesta el mismo día?",
            composite="access",
        ),
        _q(
            "provider_explained",
            "frequency",
            "How often did this provider explain things in a way that was easy to understand?",
            "¿Con qué frecuencia este proveedor le explicó las cosas de una manera fácil de entender?",
            composite="provider_communication",
        ),
        _q(
            "provider_listened",
            "frequency",
            "How often did this provider listen carefully to you?",
            "¿Con qué frecuencia este proveedor le escuchó con atención?",
            composite="provider_communication",
        ),
        _q(
            "provider_respect",
            "frequency",
            "How often did this provider show respect for what you had to say?",
            "¿Con qué frecuencia este proveedor mostró respeto por lo que usted tenía que decir?",
            composite="provider_communication",
        ),
        _q(
            "staff_helpful",
            "frequency",
            "How often were clerks and receptionists at this office as helpful as you thought "
            "they should be?",
            "¿Con qué frecuencia los recepcionistas de esta oficina fueron tan serviciales como "
            "usted esperaba?",
            composite="office_staff",
        ),
        _q(
            "staff_courteous",
            "frequency",
            "How often did clerks and receptionists treat you with courtesy and respect?",
            "¿Con qué frecuencia los recepcionistas le trataron con cortesía y respeto?",
            composite="office_staff",
        ),
        _q(
            "provider_rating",
            "rating",
            "Using any number from 0 to 10, where 0 is the worst provider possible and 10 the "
            "best, what number would you use to rate this provider?",
            "Usando un número del 0 al 10, donde 0 es el peor proveedor posible y 10 el mejor, "
            "¿qué número usaría para calificar a este proveedor?",
            required=True,
        ),
        _recommend("this clinic", "esta clínica"),
        *_comments(),
    ],
}

EMERGENCY_DEPARTMENT = {
    "title": {"en": "Your emergency department visit", "es": "Su visita a urgencias"},
    "description": {
        "en": "About 2 minutes. Tell us what it was like for you.",
        "es": "Unos 2 minutos. Cuéntenos cómo fue para usted.",
    },
    "label": CAHPS_STYLE_LABEL,
    "questions": [
        _q(
            "seen_quickly",
            "definitely",
            "Were you seen by a doctor or nurse as quickly as you needed?",
            "¿Le atendió un médico o una enfermera tan rápido como lo necesitaba?",
            composite="timeliness",
        ),
        _q(
            "informed_wait",
            "frequency",
            "How often were you told how long you would have to wait?",
            "¿Con qué frecuencia le dijeron cuánto tiempo tendría que esperar?",
            composite="timeliness",
        ),
        _q(
            "nurses_listened",
            "frequency",
            "How often did the nurses listen carefully to you?",
            "¿Con qué frecuencia las enfermeras le escucharon con atención?",
            composite="care_team_communication",
        ),
        _q(
            "doctors_explained",
            "frequency",
            "How often did the doctors explain things in a way you could understand?",
            "¿Con qué frecuencia los médicos le explicaron las cosas de forma comprensible?",
            composite="care_team_communication",
        ),
        _q(
            "pain_controlled",
            "definitely",
            "Did the staff do everything they could to help with your pain?",
            "¿Hizo el personal todo lo posible para ayudarle con su dolor?",
        ),
        _q(
            "discharge_told",
            "yes_no",
            "Before you left, were you told what symptoms to watch for at home?",
            "Antes de irse, ¿le dijeron qué síntomas vigilar en casa?",
            composite="discharge_information",
        ),
        _q(
            "overall_rating",
            "rating",
            "Using any number from 0 to 10, how would you rate your care in the emergency "
            "department?",
            "Usando un número del 0 al 10, ¿cómo calificaría su atención en urgencias?",
            required=True,
        ),
        _recommend("this emergency department", "este servicio de urgencias"),
        *_comments(),
    ],
}

INPATIENT_STAY = {
    "title": {"en": "Your hospital stay", "es": "Su estancia en el hospital"},
    "description": {
        "en": "About 3 minutes. Your answers help the teams who cared for you.",
        "es": "Unos 3 minutos. Sus respuestas ayudan a los equipos que le atendieron.",
    },
    "label": CAHPS_STYLE_LABEL,
    "questions": [
        _q(
            "nurses_courtesy",
            "frequency",
            "During this stay, how often did nurses treat you with courtesy and respect?",
            "Durante esta estancia, ¿con qué frecuencia las enfermeras le trataron con cortesía "
            "y respeto?",
            composite="nurse_communication",
        ),
        _q(
            "nurses_explained",
            "frequency",
            "How often did nurses explain things in a way you could understand?",
            "¿Con qué frecuencia las enfermeras le explicaron las cosas de forma comprensible?",
            composite="nurse_communication",
        ),
        _q(
            "doctors_listened",
            "frequency",
            "How often did doctors listen carefully to you?",
            "¿Con qué frecuencia los médicos le escucharon con atención?",
            composite="doctor_communication",
        ),
        _q(
            "help_quickly",
            "frequency",
            "After you pressed the call button, how often did you get help as soon as you "
            "wanted it?",
            "Después de pulsar el botón de llamada, ¿con qué frecuencia recibió ayuda tan pronto "
            "como la quería?",
            composite="responsiveness",
        ),
        _q(
            "room_clean",
            "frequency",
            "How often were your room and bathroom kept clean?",
            "¿Con qué frecuencia se mantuvieron limpios su habitación y su baño?",
            composite="environment",
        ),
        _q(
            "quiet_night",
            "frequency",
            "How often was the area around your room quiet at night?",
            "¿Con qué frecuencia estuvo tranquila la zona alrededor de su habitación por la noche?",
            composite="environment",
        ),
        _q(
            "new_medicine",
            "yes_no",
            "Were you given any medicine that you had not taken before?",
            "¿Le dieron algún medicamento que no había tomado antes?",
        ),
        _q(
            "medicine_explained",
            "frequency",
            "Before giving you any new medicine, how often did staff tell you what it was for?",
            "Antes de darle un medicamento nuevo, ¿con qué frecuencia le dijo el personal para "
            "qué era?",
            composite="medicines",
            show_if={"question": "new_medicine", "in": ["yes"]},
        ),
        _q(
            "discharge_help",
            "yes_no",
            "Did staff talk with you about whether you would have the help you needed when you "
            "left?",
            "¿Habló el personal con usted sobre si tendría la ayuda necesaria al salir?",
            composite="discharge_information",
        ),
        _q(
            "discharge_symptoms",
            "yes_no",
            "Did you get information in writing about what symptoms to look out for after you "
            "left?",
            "¿Recibió información por escrito sobre qué síntomas vigilar después de salir?",
            composite="discharge_information",
        ),
        _q(
            "overall_rating",
            "rating",
            "Using any number from 0 to 10, where 0 is the worst hospital possible and 10 the "
            "best, what number would you use to rate this hospital during your stay?",
            "Usando un número del 0 al 10, donde 0 es el peor hospital posible y 10 el mejor, "
            "¿qué número usaría para calificar este hospital durante su estancia?",
            required=True,
        ),
        _q(
            "would_recommend",
            "definitely",
            "Would you recommend this hospital to your friends and family?",
            "¿Recomendaría este hospital a sus amigos y familiares?",
        ),
        *_comments(),
    ],
}

SHORT_NPS = {
    "title": {"en": "How did we do?", "es": "¿Qué tal lo hicimos?"},
    "description": {"en": "Three quick questions.", "es": "Tres preguntas rápidas."},
    "label": "",
    "questions": [_recommend("us", "nuestro centro"), *_comments()],
}

# key, name, definition, default visit types
LIBRARY: tuple[tuple[str, str, dict[str, Any], tuple[str, ...]], ...] = (
    ("clinic-visit", "Clinic visit (CAHPS-style)", CLINIC_VISIT, ("clinic", "outpatient")),
    ("emergency", "Emergency department (CAHPS-style)", EMERGENCY_DEPARTMENT, ("emergency",)),
    ("inpatient", "Inpatient stay (HCAHPS-style)", INPATIENT_STAY, ("inpatient",)),
    ("short-nps", "Short NPS with comments", SHORT_NPS, ("telehealth",)),
)
