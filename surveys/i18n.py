"""Interface wording for the patients' pages, in every survey language."""

from __future__ import annotations

from surveys.definition import DEFAULT_LANGUAGE, LANGUAGES

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "switch_to": "Español",
        "required": "required",
        "optional": "optional",
        "submit": "Send my answers",
        "errors_title": "There is a problem",
        "conditional": "Only if you answered “{answer}” to “{question}”.",
        "nps_low": "Not at all likely",
        "nps_high": "Extremely likely",
        "rating_low": "Worst",
        "rating_high": "Best",
        "privacy_link": "How we use your answers",
        "thanks_title": "Thank you",
        "thanks_body": "Your answers have been received. The team reads every comment.",
        "consent_title": "Would you like to hear what changed?",
        "consent_body": "If your feedback leads to a change, we can send you a short email "
        "about it. We will not use your email for anything else, and you can stop these "
        "emails at any time.",
        "consent_checkbox": "Yes, email me if my feedback leads to a change.",
        "follow_up_checkbox": "Someone from the team may contact me about my feedback.",
        "consent_submit": "Save my choice",
        "consent_saved": "Thank you. We will let you know if your feedback leads to a change.",
        "review_title": "Share your experience",
        "review_body": "If you wish, you can also write about your visit on a public review "
        "site. We ask everyone who answers our survey, whatever they told us.",
        "review_link": "Write a public review",
        "used_title": "You have already answered this survey",
        "used_body": "Thank you — we already have your answers. There is nothing more to do.",
        "expired_title": "This survey link has expired",
        "expired_body": "Survey links last 30 days. Thank you for wanting to tell us about "
        "your visit; you can always contact our Patient Experience Office.",
        "unsubscribe_title": "Stop survey emails",
        "unsubscribe_body": "We will not send surveys or updates to this email address any more.",
        "unsubscribe_button": "Stop emails to this address",
        "unsubscribed": "Done. This address will not receive our emails any more.",
        "tracking_title": "What happened to your feedback",
        "tracking_link": "Follow what happens to your feedback",
        "stage_received": "Received: the patient experience team has read it.",
        "stage_in_progress": "Being worked on by: {departments}.",
        "stage_changed": "It led to a change:",
        "stage_no_change": "Reviewed: the team looked into it and nothing will change for now. "
        "Your feedback still counts in our reports.",
        "changes_title": "You said, we did",
        "changes_intro": "Changes we made because patients told us what to improve.",
        "changes_count": "{count} piece(s) of feedback led to this.",
        "changes_none": "No changes have been published here yet.",
        "busy_title": "Too many answers from this device",
        "busy_body": "Please wait a little and try again later. Thank you for your patience.",
        "kiosk_again": "Start a new survey for the next person",
        "unknown_title": "We could not find this survey",
        "unknown_body": "The link may be incomplete. Please copy the whole link from the "
        "email, or contact our Patient Experience Office.",
    },
    "es": {
        "language_name": "Español",
        "switch_to": "English",
        "required": "obligatoria",
        "optional": "opcional",
        "submit": "Enviar mis respuestas",
        "errors_title": "Hay un problema",
        "conditional": "Solo si respondió “{answer}” a “{question}”.",
        "nps_low": "Nada probable",
        "nps_high": "Muy probable",
        "rating_low": "Peor",
        "rating_high": "Mejor",
        "privacy_link": "Cómo usamos sus respuestas",
        "thanks_title": "Gracias",
        "thanks_body": "Hemos recibido sus respuestas. El equipo lee cada comentario.",
        "consent_title": "¿Quiere saber qué cambió?",
        "consent_body": "Si sus comentarios llevan a un cambio, podemos enviarle un correo "
        "breve para contárselo. No usaremos su correo para nada más y puede dejar de recibir "
        "estos correos en cualquier momento.",
        "consent_checkbox": "Sí, envíenme un correo si mis comentarios llevan a un cambio.",
        "follow_up_checkbox": "Alguien del equipo puede contactarme sobre mis comentarios.",
        "consent_submit": "Guardar mi elección",
        "consent_saved": "Gracias. Le avisaremos si sus comentarios llevan a un cambio.",
        "review_title": "Comparta su experiencia",
        "review_body": "Si lo desea, también puede escribir sobre su visita en un sitio de "
        "reseñas público. Se lo pedimos a todas las personas que responden, digan lo que digan.",
        "review_link": "Escribir una reseña pública",
        "used_title": "Ya respondió esta encuesta",
        "used_body": "Gracias: ya tenemos sus respuestas. No tiene que hacer nada más.",
        "expired_title": "Este enlace de la encuesta ha caducado",
        "expired_body": "Los enlaces duran 30 días. Gracias por querer contarnos su visita; "
        "siempre puede contactar con nuestra Oficina de Experiencia del Paciente.",
        "unsubscribe_title": "Dejar de recibir correos",
        "unsubscribe_body": "No enviaremos más encuestas ni novedades a esta dirección de correo.",
        "unsubscribe_button": "Dejar de enviar correos a esta dirección",
        "unsubscribed": "Hecho. Esta dirección no recibirá más correos nuestros.",
        "tracking_title": "Qué pasó con sus comentarios",
        "tracking_link": "Siga lo que pasa con sus comentarios",
        "stage_received": "Recibidos: el equipo de experiencia del paciente los ha leído.",
        "stage_in_progress": "En manos de: {departments}.",
        "stage_changed": "Llevaron a un cambio:",
        "stage_no_change": "Revisados: el equipo los estudió y por ahora no habrá cambios. "
        "Sus comentarios siguen contando en nuestros informes.",
        "changes_title": "Ustedes dijeron, nosotros hicimos",
        "changes_intro": "Cambios que hicimos porque los pacientes nos dijeron qué mejorar.",
        "changes_count": "{count} comentario(s) llevaron a esto.",
        "changes_none": "Todavía no se han publicado cambios aquí.",
        "busy_title": "Demasiadas respuestas desde este dispositivo",
        "busy_body": "Espere un poco e inténtelo más tarde. Gracias por su paciencia.",
        "kiosk_again": "Empezar una encuesta nueva para la siguiente persona",
        "unknown_title": "No encontramos esta encuesta",
        "unknown_body": "Puede que el enlace esté incompleto. Copie el enlace completo del "
        "correo o contacte con nuestra Oficina de Experiencia del Paciente.",
    },
}


def pick_language(requested: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    if requested in LANGUAGES:
        return requested  # type: ignore[return-value]
    return fallback if fallback in LANGUAGES else DEFAULT_LANGUAGE
