"""A believable demo hospital: synthetic people only (example.org addresses, 555 numbers)."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import unicodedata

from feedback.auth.passwords import hash_password
from feedback.auth.roles import CurrentStaff, Role
from feedback.auth.sessions import end_all_sessions_of
from feedback.services.feedback_items import NewFeedback, build_item
from feedback.services.improvements import Draft, create_improvement, publish
from feedback.services.reviews import add_source, get_source, store_review
from feedback.services.routing import open_tickets, seed_default_rules
from feedback.services.tickets import change_status
from feedback.tables import FeedbackItem, StaffUser, Ticket
from integrations.crypto import KeyRing
from integrations.reviews import ReviewRecord
from surveys.patients import create_patients
from surveys.sealed_text import FEEDBACK_TEXT, seal
from surveys.service import (
    CONSENT_WORDING_VERSION,
    create_invitation,
    install_library,
    survey_version_for,
)
from surveys.tables import Consent, Department, Location, Survey, Visit

DEMO_EMAIL_DOMAIN = "demo.example.org"
# No 0/O, 1/l/I: the passwords are read off a terminal and typed.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet

LOCATIONS = (
    ("Riverside General Hospital", "riverside", "100 River Road", "America/New_York"),
    ("Northgate Community Clinic", "northgate", "12 Northgate Avenue", "America/New_York"),
    ("Eastside Urgent Care", "eastside", "450 East Market Street", "America/New_York"),
)
# Review pages of the demo locations (example.org: reserved, never a real site).
REVIEW_URL = "https://reviews.example.org/{slug}"

# (name, slug, description, lead's name). The first group are clinical departments visits
# belong to; the rest are the service departments that routing sends themes to (DESIGN.md §5).
DEPARTMENTS = (
    ("Emergency Department", "emergency", "24/7 emergency care", "Dr. Maya Okafor"),
    ("Cardiology", "cardiology", "Heart and vascular clinic", "Dr. Samuel Reyes"),
    ("Orthopedics", "orthopedics", "Bones, joints and sports medicine", "Dr. Hannah Lindqvist"),
    ("Maternity", "maternity", "Labour, delivery and postnatal care", "Grace Mensah, RN"),
    ("Pediatrics", "pediatrics", "Children's clinic and ward", "Dr. Arjun Patel"),
    ("Primary Care", "primary-care", "Family medicine clinics", "Dr. Laura Chen"),
    ("Radiology", "radiology", "Imaging and diagnostics", "Tomás Alvarez"),
    (
        "Patient Financial Services",
        "billing",
        "Bills, insurance and payment plans",
        "Denise Walker",
    ),
    ("Patient Access", "patient-access", "Scheduling, registration and referrals", "Omar Haddad"),
    (
        "Facilities & Environmental Services",
        "facilities",
        "Buildings, cleaning, parking, food",
        "Rita Kowalski",
    ),
    ("Digital Health / IT", "digital", "Patient portal, app and telehealth", "Ben Achterberg"),
    ("Privacy & Compliance", "privacy", "Confidentiality and records", "Ingrid Solberg"),
    (
        "Quality & Patient Safety",
        "quality",
        "Safety events and clinical quality",
        "Dr. Felix Adeyemi",
    ),
    (
        "Patient Experience Office",
        "patient-experience",
        "Surveys and the feedback loop",
        "Nora Castillo",
    ),
)

CLINICAL = {
    "emergency": ("emergency", ("riverside", "eastside")),
    "cardiology": ("clinic", ("riverside", "northgate")),
    "orthopedics": ("clinic", ("riverside", "northgate")),
    "maternity": ("inpatient", ("riverside",)),
    "pediatrics": ("clinic", ("riverside", "northgate")),
    "primary-care": ("clinic", ("northgate", "eastside")),
    "radiology": ("outpatient", ("riverside", "northgate")),
}

PROVIDERS = (
    "Dr. Amara Nwosu",
    "Dr. Kenji Watanabe",
    "Dr. Sofia Marquez",
    "Dr. Daniel Brooks",
    "Dr. Priya Raman",
    "Dr. Elena Petrova",
    "Dr. Marcus Hale",
    "Dr. Fatima Zahra",
)
GIVEN = (
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Aisha",
    "David",
    "Mei",
    "Carlos",
    "Sarah",
    "Ahmed",
    "Emily",
    "José",
    "Olivia",
    "Wei",
    "Fatou",
    "Liam",
    "Sofía",
    "Noah",
    "Hannah",
)
FAMILY = (
    "Johnson",
    "Garcia",
    "Nguyen",
    "Smith",
    "Okoye",
    "Kim",
    "Rodriguez",
    "Brown",
    "Haddad",
    "Martinez",
    "Chen",
    "Wilson",
    "Diallo",
    "Lopez",
    "Patel",
    "Novak",
    "Silva",
    "Cohen",
)

# Comments written for the demo (not taken from any training or evaluation set), each with the
# survey question it answers; the analysis engine scores them like any real comment.
IMPROVE = "What could we improve?"
WENT_WELL = "What went well?"
DEMO_COMMENTS = (
    (WENT_WELL, "The nurse explained every step of the procedure and checked on me often."),
    (WENT_WELL, "Dr. Nwosu listened carefully and never made me feel rushed."),
    (WENT_WELL, "Quick check-in, clean waiting room, and I was seen on time."),
    (WENT_WELL, "The physiotherapy team was patient and encouraging with my mother."),
    (WENT_WELL, "Everyone was kind. The discharge nurse wrote everything down for us."),
    (WENT_WELL, "Spotless rooms and the food was better than expected."),
    (IMPROVE, "Nothing, it was a great experience."),
    (
        "What could we improve?",
        "I waited almost two hours past my appointment time with no update.",
    ),
    (IMPROVE, "Parking was full and the signs to the clinic were confusing."),
    (IMPROVE, "I got a bill for a service my insurance was told was covered."),
    (IMPROVE, "Nobody called me back with my test results after a week."),
    (IMPROVE, "The patient portal kept logging me out before I could book."),
    (IMPROVE, "The receptionist was dismissive when I asked about the delay."),
    (IMPROVE, "On hold for 40 minutes trying to reschedule my appointment."),
    (IMPROVE, "Great doctor, but the billing office never answers the phone."),
    (IMPROVE, "The room was noisy all night and nobody could tell us why."),
    (
        "What could we improve?",
        "Discharge instructions were rushed and I did not understand my new medicines.",
    ),
    (
        "What could we improve?",
        "My father was given the wrong medication dose and nobody noticed until he felt ill.",
    ),
    (
        "What could we improve?",
        "Staff discussed my diagnosis loudly at the front desk where everyone could hear.",
    ),
    (IMPROVE, "More evening appointments would help people who work."),
    ("Anything else?", "La enfermera fue muy amable, pero esperamos tres horas."),
    ("Anything else?", "Todo excelente, gracias al equipo de pediatría."),
)

STAFF = (
    ("admin", "Nora Castillo", "patient-experience"),
    ("executive", "Dr. Helen Marsh (Chief Executive)", None),
    ("executive", "Paul Osei (Chief Nursing Officer)", None),
    ("staff", "Jamie Fraser", "emergency"),
    ("staff", "Lena Hoffmann", "billing"),
)


def _demo_email(name: str, role: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = "".join(ch for ch in ascii_name.lower().split("(")[0] if ch.isalnum() or ch == " ")
    local = ".".join(part for part in local.split() if part not in ("dr", "rn"))
    return f"{local}@{DEMO_EMAIL_DOMAIN}" if role != "admin" else f"admin@{DEMO_EMAIL_DOMAIN}"


async def seed_demo(
    base_url: str,
    suppression_key: bytes,
    seed: int = 7,
    patients: int = 300,
    visits: int = 420,
    keyring: KeyRing | None = None,
) -> str | None:
    """Create the demo organisation unless the database already has one. Returns a summary.

    `keyring` encrypts the demo patients; without one, the process's settings give it (older
    callers such as the benchmarks)."""
    if keyring is None:
        from feedback.settings import load_settings

        keyring = load_settings().keyring
    await install_library()
    if await Location.count() > 0:
        return None
    short_survey = await Survey.select(Survey.id).where(Survey.key == "short-nps").first()
    rng = random.Random(seed)
    async with Location._meta.db.transaction():
        location_ids = {}
        for name, slug, address, timezone in LOCATIONS:
            row = await Location.insert(
                Location(
                    name=name,
                    slug=slug,
                    address=address,
                    timezone=timezone,
                    review_url=REVIEW_URL.format(slug=slug),
                    # The urgent-care site offers the short survey at its front-desk kiosk.
                    kiosk_survey=short_survey["id"] if slug == "eastside" else None,
                )
            ).returning(Location.id)
            location_ids[slug] = row[0]["id"]
        department_ids = {}
        for name, slug, description, _lead in DEPARTMENTS:
            row = await Department.insert(
                Department(name=name, slug=slug, description=description)
            ).returning(Department.id)
            department_ids[slug] = row[0]["id"]
        # Demo accounts get an unusable password until issue_demo_credentials() sets one.
        placeholder = hash_password(secrets.token_urlsafe(32))
        accounts = [
            StaffUser(
                email=_demo_email(lead, "lead"),
                display_name=lead,
                password_hash=placeholder,
                role="lead",
                department=department_ids[slug],
            )
            for _name, slug, _description, lead in DEPARTMENTS
            if slug != "patient-experience"
        ]
        accounts += [
            StaffUser(
                email=_demo_email(name, role),
                display_name=name,
                password_hash=placeholder,
                role=role,
                department=department_ids[slug] if slug else None,
            )
            for role, name, slug in STAFF
        ]
        await StaffUser.insert(*accounts)

        patient_ids = await create_patients(
            keyring,
            [
                (
                    {
                        "given_name": rng.choice(GIVEN),
                        "family_name": rng.choice(FAMILY),
                        "email": f"patient{number:04d}@example.org",
                        "phone": f"+1-555-01{number % 100:02d}",
                        "mrn": f"DEMO-{100000 + number}",
                    },
                    "es" if rng.random() < 0.2 else "en",
                )
                for number in range(patients)
            ],
        )
        today = dt.date.today()
        visit_rows = []
        for number in range(visits):
            slug = rng.choice(list(CLINICAL))
            visit_type, sites = CLINICAL[slug]
            visit_rows.append(
                Visit(
                    patient=rng.choice(patient_ids),
                    location=location_ids[rng.choice(sites)],
                    department=department_ids[slug],
                    provider_name=rng.choice(PROVIDERS),
                    visit_date=today - dt.timedelta(days=rng.randint(0, 120)),
                    visit_type=visit_type,
                    external_id=f"DEMO-ENC-{number:05d}",
                )
            )
        visit_ids = [row["id"] for row in await Visit.insert(*visit_rows).returning(Visit.id)]
        feedback_rows = []
        answered = rng.sample(list(zip(visit_ids, visit_rows, strict=True)), k=180)
        for visit, visit_row in answered:
            question, text = rng.choice(DEMO_COMMENTS)
            received = dt.datetime.combine(
                today - dt.timedelta(days=rng.randint(0, 90)), dt.time(12), tzinfo=dt.UTC
            )
            feedback_rows.append(
                build_item(
                    NewFeedback(
                        source="survey",
                        text=text,
                        question=question,
                        rating=rng.randint(0, 10),
                        rating_scale=10,
                        location_id=visit_row.location,
                        department_id=visit_row.department,
                        visit_id=visit,
                        patient_id=visit_row.patient,
                        received_at=received,
                    )
                )
            )
        await seed_default_rules()
        # Routed on their words in clear; stored sealed, as a real respondent's are.
        in_clear = [item.to_dict() for item in feedback_rows]
        for item in feedback_rows:
            item.crypto_id, item.text = seal(keyring, FEEDBACK_TEXT, item.text)
        rows = await FeedbackItem.insert(*feedback_rows).returning(FeedbackItem.id)
        for item, row in zip(in_clear, rows, strict=True):
            await open_tickets([{**item, "id": row["id"]}], now=item["received_at"])
        # A third of respondents agreed to hear what changed.
        consenting = [row.patient for row in feedback_rows[::3] if row.patient]
        await Consent.insert(
            *(
                Consent(
                    patient=patient,
                    channel="email",
                    purpose="improvement_updates",
                    wording_version=CONSENT_WORDING_VERSION,
                )
                for patient in sorted(set(consenting))
            )
        )
    await _demo_improvement(base_url, suppression_key, keyring)
    reviews = await _demo_reviews(location_ids, rng, base_url)
    return (
        f"{len(LOCATIONS)} locations, {len(DEPARTMENTS)} departments, {len(accounts)} staff, "
        f"{patients} patients, {visits} visits, {len(feedback_rows)} pieces of survey feedback, "
        f"{reviews} online reviews"
    )


async def demo_survey_link(base_url: str) -> str:
    """A fresh survey invitation for a recent demo visit, so the patient side can be tried."""
    visit = await (
        Visit.select(Visit.id, Visit.visit_type, Visit.location, Visit.patient.preferred_language)
        .where(Visit.external_id.like("DEMO-ENC-%"))
        .order_by(Visit.visit_date, ascending=False)
        .first()
    )
    version = await survey_version_for(visit["visit_type"], visit["location"])
    if version is None:
        raise RuntimeError("no survey is assigned to the demo visits")
    token = await create_invitation(visit["id"], version, visit["patient.preferred_language"])
    return f"{base_url}/s/{token}"


async def issue_demo_credentials() -> list[tuple[str, str, str]]:
    """Give every demo account a fresh random password and return them to be shown once.

    Earlier sessions of those accounts end: the old passwords are gone.
    """
    rows = (
        await StaffUser.select(StaffUser.id, StaffUser.email, StaffUser.role)
        .where(StaffUser.email.like(f"%@{DEMO_EMAIL_DOMAIN}"))
        .order_by(StaffUser.role)
        .order_by(StaffUser.email)
    )
    credentials = []
    for row in rows:
        password = "-".join(
            "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4)
        )
        await StaffUser.update({StaffUser.password_hash: hash_password(password)}).where(
            StaffUser.id == row["id"]
        )
        await end_all_sessions_of(row["id"])
        credentials.append((row["role"], row["email"], password))
    return credentials


# Synthetic public reviews (display names only, as review sites show them).
DEMO_REVIEWS = (
    (5, "Jordan K.", "The maternity team were kind and calm the whole night. Spotless rooms."),
    (2, "Casey M.", "Waited almost three hours in the emergency department with no updates."),
    (1, "R. Patel", "Charged twice for the same appointment and nobody answers the billing line."),
    (4, "Alex T.", "Good care from the nurses, but parking is a nightmare."),
    (5, "Sam O.", "Dr. Chen listened and explained everything clearly. Thank you!"),
    (2, "Morgan L.", "The online portal kept logging me out and I could not see my results."),
    (3, "Taylor B.", "Friendly staff, long wait to check in."),
    (1, "Drew P.", "Front desk was rude and dismissive when I asked about my referral."),
    (4, "Jamie R.", "Quick physiotherapy appointment and a very helpful therapist."),
    (5, "Avery S.", "Caring staff in outpatient surgery; discharge instructions were clear."),
)


async def _demo_reviews(location_ids: dict[str, int], rng: random.Random, base_url: str) -> int:
    """A review source per site with reviews imported (no network needed for the demo)."""
    now = dt.datetime.now(dt.UTC)
    stored = 0
    for slug, location_id in location_ids.items():
        source_id = await add_source("Public reviews (CSV export)", "csv", location_id, {}, 24)
        source = await get_source(source_id)
        assert source is not None
        for number, (stars, author, text) in enumerate(DEMO_REVIEWS):
            if rng.random() < 0.4:
                continue
            record = ReviewRecord(
                text=text,
                rating=float(stars),
                author=author,
                published_at=now - dt.timedelta(days=rng.randint(1, 180)),
                url=REVIEW_URL.format(slug=slug) + f"#review-{number}",
                external_id=f"demo-{slug}-{number}",
            )
            await store_review(source, record, base_url=base_url)
            stored += 1
    return stored


async def _demo_improvement(base_url: str, suppression_key: bytes, keyring: KeyRing) -> None:
    """Facilities acts on the parking and signage complaints and tells the patients: the
    closed loop has something to show from the first start."""
    lead = (
        await StaffUser.select(
            StaffUser.id,
            StaffUser.email,
            StaffUser.display_name,
            StaffUser.department,
            StaffUser.department.name.as_alias("department_name"),
        )
        .where(StaffUser.department.slug == "facilities")
        .first()
    )
    staff = CurrentStaff(
        lead["id"],
        lead["email"],
        lead["display_name"],
        Role.LEAD,
        lead["department"],
        lead["department_name"],
    )
    tickets = (
        await Ticket.select(Ticket.id)
        .where((Ticket.department == lead["department"]) & (Ticket.theme == "facilities"))
        .order_by(Ticket.id)
        .limit(6)
    )
    ticket_ids = [row["id"] for row in tickets]
    for ticket_id in ticket_ids:
        await change_status(
            staff,
            ticket_id,
            "resolve",
            "with_action",
            "Twenty more parking spaces and new signs to every clinic.",
        )
    improvement = await create_improvement(
        staff,
        Draft(
            title="More parking and clearer signs",
            body="You told us parking was hard to find and the signs to the clinics were "
            "confusing. We opened twenty more spaces next to the main entrance and put up new, "
            "larger signs to every clinic.",
            department_id=lead["department"],
            location_id=None,
            change_date=dt.date.today() - dt.timedelta(days=3),
            ticket_ids=tuple(ticket_ids),
        ),
    )
    await publish(staff, improvement, base_url, suppression_key, keyring)
