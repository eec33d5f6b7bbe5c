from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class Location(Table, tablename="location"):
    name = Varchar(length=200)
    slug = Varchar(length=80, unique=True)
    address = Text(default="")
    timezone = Varchar(length=64, default="UTC")
    # Where respondents are invited to review us online (shown to every respondent alike).
    review_url = Varchar(length=500, default="")
    # The survey offered anonymously at this location's kiosk and QR code (None: no kiosk).
    kiosk_survey = ForeignKey(
        references=LazyTableReference("Survey", module_path="surveys.tables"),
        null=True,
        on_delete=OnDelete.set_null,
    )


class Department(Table, tablename="department"):
    """An organisation-wide department (Billing serves every location; visits name both)."""

    name = Varchar(length=200, unique=True)
    slug = Varchar(length=80, unique=True)
    description = Text(default="")


class Patient(Table, tablename="patient"):
    """PHI. Never logged, never put in a URL, a subject line or an email body.

    Names, email, phone and MRN are stored encrypted, bound to `crypto_id`; surveys/patients.py
    is the only reader and writer. `mrn` is the MRN's blind index (unique: one patient per MRN;
    the encrypted MRN is `mrn_encrypted`) and `email_index` the email's. Rows from before
    encryption have an empty `crypto_id` and clear values (the MRN itself in `mrn`) until
    `feedback rotate-keys` encrypts them.
    """

    crypto_id = Varchar(length=32, default="")
    given_name = Text()
    family_name = Text()
    email = Text(default="")
    phone = Text(default="")
    mrn = Varchar(length=64, unique=True)
    mrn_encrypted = Text(default="")
    email_index = Varchar(length=64, default="", index=True)
    preferred_language = Varchar(length=8, default="en")
    created_at = Timestamptz(default=TimestamptzNow())


class Visit(Table, tablename="visit"):
    patient = ForeignKey(references=Patient, on_delete=OnDelete.restrict, index=True)
    location = ForeignKey(references=Location, on_delete=OnDelete.restrict, index=True)
    department = ForeignKey(references=Department, on_delete=OnDelete.restrict, index=True)
    provider_name = Varchar(length=200, default="")
    visit_date = Date(index=True)
    visit_type = Varchar(length=40, index=True)
    external_id = Varchar(length=128, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Consent(Table, tablename="consent"):
    """A patient's yes (and later, perhaps, their no) for one purpose on one channel."""

    patient = ForeignKey(references=Patient, on_delete=OnDelete.cascade, index=True)
    channel = Varchar(length=20)
    purpose = Varchar(length=40)
    wording_version = Varchar(length=40)
    given_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)


class Survey(Table, tablename="survey"):
    """A survey and its history of versions; answers always point at the version answered."""

    key = Varchar(length=60, unique=True)
    name = Varchar(length=200)
    label = Varchar(length=200, default="")
    retired_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class SurveyVersion(Table, tablename="survey_version"):
    """Immutable once published: the service refuses to change a published definition."""

    survey = ForeignKey(references=Survey, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    definition = JSON()
    status = Varchar(length=20, default="draft", index=True)
    published_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class SurveyAssignment(Table, tablename="survey_assignment"):
    """Which survey a visit gets: the most specific match of visit type and location wins."""

    survey = ForeignKey(references=Survey, on_delete=OnDelete.cascade, index=True)
    visit_type = Varchar(length=40, null=True, default=None)
    location = ForeignKey(references=Location, null=True, on_delete=OnDelete.cascade)


class Invitation(Table, tablename="invitation"):
    """A patient's link to one survey. Only the SHA-256 of the 256-bit token is stored."""

    visit = ForeignKey(references=Visit, on_delete=OnDelete.cascade, index=True)
    survey_version = ForeignKey(references=SurveyVersion, on_delete=OnDelete.restrict)
    token_hash = Varchar(length=64, unique=True)
    # The reminder carries a second token (the first is known only to the patient's inbox);
    # either opens the same invitation, and it is still consumed once.
    reminder_token_hash = Varchar(length=64, null=True, default=None, index=True)
    language = Varchar(length=8, default="en")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    expires_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None, index=True)
    reminded_at = Timestamptz(null=True, default=None)
    used_at = Timestamptz(null=True, default=None)


class Response(Table, tablename="survey_response"):
    """One per invitation (the unique key makes double submits harmless), or anonymous."""

    invitation = ForeignKey(
        references=Invitation, null=True, unique=True, on_delete=OnDelete.set_null
    )
    survey_version = ForeignKey(references=SurveyVersion, on_delete=OnDelete.restrict, index=True)
    location = ForeignKey(references=Location, null=True, on_delete=OnDelete.restrict, index=True)
    department = ForeignKey(
        references=Department, null=True, on_delete=OnDelete.restrict, index=True
    )
    visit = ForeignKey(references=Visit, null=True, on_delete=OnDelete.set_null, index=True)
    channel = Varchar(length=20, default="email")
    language = Varchar(length=8, default="en")
    # Anonymous (kiosk/QR) responses: a hash of the device session, one response per session.
    device_hash = Varchar(length=64, null=True, default=None, unique=True)
    submitted_at = Timestamptz(default=TimestamptzNow(), index=True)


class Answer(Table, tablename="survey_answer"):
    response = ForeignKey(references=Response, on_delete=OnDelete.cascade, index=True)
    question_key = Varchar(length=40, index=True)
    # A free-text answer of an identified patient is sealed, bound to crypto_id (else "").
    value = Text()
    crypto_id = Varchar(length=32, default="")
    numeric_value = Integer(null=True, default=None)
