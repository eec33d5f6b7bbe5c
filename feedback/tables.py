from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from surveys.tables import Department, Location, Patient, Response, Visit


class StaffUser(Table, tablename="staff_user"):
    email = Varchar(length=254, unique=True)
    display_name = Varchar(length=200)
    password_hash = Text()
    role = Varchar(length=20, index=True)
    department = ForeignKey(references=Department, null=True, on_delete=OnDelete.restrict)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    # Two-step sign-in (TOTP). The secret is sealed with the encryption keys; the last used
    # time step makes each code single-use.
    totp_secret = Text(default="")
    totp_last_step = Integer(default=0)
    mfa_enrolled_at = Timestamptz(null=True, default=None)
    # Executives and admins may ask for the monthly summary by email (off unless asked).
    monthly_report = Boolean(default=False)


class StaffSession(Table, tablename="staff_session"):
    """A server-side session; the cookie holds a random token, the table only its SHA-256."""

    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=StaffUser, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    flash = JSON(default="[]")
    # Break-glass: read access to every department until this time (see BreakGlassGrant).
    emergency_until = Timestamptz(null=True, default=None)


class BreakGlassGrant(Table, tablename="break_glass_grant"):
    """Emergency read access beyond one's department: who, why, until when. The reason stays
    here (it may name a patient); the audit trail and the alert refer to the grant's id."""

    staff = ForeignKey(references=StaffUser, on_delete=OnDelete.restrict, index=True)
    reason = Text()
    started_at = Timestamptz(default=TimestamptzNow(), index=True)
    expires_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)


class MfaChallenge(Table, tablename="mfa_challenge"):
    """A sign-in between its password and its code: not a session, so nothing is reachable
    with it but the code page. The cookie holds a random token; the table its SHA-256."""

    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=StaffUser, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    failures = Integer(default=0)
    # A secret being set up at first sign-in (sealed), kept until a code proves the app has it.
    enrollment_secret = Text(default="")
    next_path = Varchar(length=300, default="/")


class ReviewSource(Table, tablename="review_source"):
    """Where a location's public reviews are collected from. `kind` is page, google, yelp or
    csv; `settings` holds the non-secret parameters (start URL, account and location ids,
    business id). API credentials come from settings, never from this table."""

    name = Varchar(length=120)
    kind = Varchar(length=20, index=True)
    location = ForeignKey(references=Location, on_delete=OnDelete.restrict, index=True)
    settings = JSON(default="{}")
    enabled = Boolean(default=True)
    interval_hours = Integer(default=24)
    next_run_at = Timestamptz(null=True, default=None, index=True)
    # A run claims its source until this time, so two schedulers never run one source at once.
    leased_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ReviewRun(Table, tablename="review_run"):
    """One collection from one source: what was fetched, added, updated and failed."""

    source = ForeignKey(references=ReviewSource, on_delete=OnDelete.cascade, index=True)
    trigger = Varchar(length=20)
    status = Varchar(length=20, default="running", index=True)
    started_at = Timestamptz(default=TimestamptzNow(), index=True)
    finished_at = Timestamptz(null=True, default=None)
    pages = Integer(default=0)
    fetched = Integer(default=0)
    added = Integer(default=0)
    updated = Integer(default=0)
    unchanged = Integer(default=0)
    failed = Integer(default=0)
    problems = JSON(default="[]")
    aggregate_rating = DoublePrecision(null=True, default=None)
    aggregate_count = Integer(null=True, default=None)


class Review(Table, tablename="online_review"):
    """A public review, stored once per source and identity (the site's id, else a hash of its
    content). Only the author's display name is kept; reviews are never linked to patients."""

    source = ForeignKey(references=ReviewSource, on_delete=OnDelete.restrict, index=True)
    source_key = Varchar(length=220, unique=True)
    rating = DoublePrecision(null=True, default=None)
    author = Varchar(length=200, default="")
    title = Varchar(length=300, default="")
    url = Text(default="")
    published_at = Timestamptz(null=True, default=None, index=True)
    content_hash = Varchar(length=64)
    first_seen_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(null=True, default=None)
    reply_draft = Text(default="")
    reply_updated_at = Timestamptz(null=True, default=None)


class FeedbackItem(Table, tablename="feedback_item"):
    """The unit of the loop, whatever its source, with its analysis."""

    source = Varchar(length=20, index=True)
    # How staff received it (phone, front desk, portal message, focus group) when entered by hand.
    channel = Varchar(length=30, default="")
    # From an identified patient, `text` is sealed (AES-GCM) and bound to this row's crypto_id;
    # empty crypto_id: in clear (reviews, kiosk, imports, staff notes, rows from before).
    text = Text(default="")
    crypto_id = Varchar(length=32, default="")
    rating = Integer(null=True, default=None)
    rating_scale = Integer(null=True, default=None)
    location = ForeignKey(references=Location, null=True, on_delete=OnDelete.restrict, index=True)
    department = ForeignKey(
        references=Department, null=True, on_delete=OnDelete.restrict, index=True
    )
    visit = ForeignKey(references=Visit, null=True, on_delete=OnDelete.set_null)
    patient = ForeignKey(references=Patient, null=True, on_delete=OnDelete.set_null)
    response = ForeignKey(references=Response, null=True, on_delete=OnDelete.set_null, index=True)
    question_key = Varchar(length=40, default="")
    review = ForeignKey(references=Review, null=True, on_delete=OnDelete.set_null, index=True)
    received_at = Timestamptz(default=TimestamptzNow(), index=True)
    language = Varchar(length=8, default="und")
    sentiment = Varchar(length=10, default="neutral", index=True)
    polarity = DoublePrecision(default=0.0)
    themes = JSON(default="[]")
    urgent = Boolean(default=False, index=True)
    urgent_reasons = JSON(default="[]")
    explanation = JSON(default="[]")
    analyzer_version = Varchar(length=40, default="", index=True)
    analyzed_at = Timestamptz(null=True, default=None)


class Ticket(Table, tablename="ticket"):
    title = Varchar(length=200)
    department = ForeignKey(references=Department, on_delete=OnDelete.restrict, index=True)
    owner = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.set_null, index=True)
    priority = Varchar(length=10, default="normal", index=True)
    status = Varchar(length=20, default="new", index=True)
    acknowledge_due_at = Timestamptz(null=True, default=None)
    resolve_due_at = Timestamptz(null=True, default=None, index=True)
    acknowledged_at = Timestamptz(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None, index=True)
    closed_at = Timestamptz(null=True, default=None)
    resolution = Varchar(length=20, default="")
    resolution_note = Text(default="")
    routing_rule = Varchar(length=200, default="")
    routing_reason = Text(default="")
    tags = JSON(default="[]")
    # Copied from the feedback that opened it, so the queue filters without joins.
    theme = Varchar(length=30, default="", index=True)
    source = Varchar(length=20, default="", index=True)
    location = ForeignKey(references=Location, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class TicketFeedback(Table, tablename="ticket_feedback"):
    """Links feedback to tickets: a ticket gathers many items; a comment with several negative
    themes can open tickets in several departments."""

    ticket = ForeignKey(references=Ticket, on_delete=OnDelete.cascade, index=True)
    feedback_item = ForeignKey(references=FeedbackItem, on_delete=OnDelete.cascade, index=True)
    linked_at = Timestamptz(default=TimestamptzNow())


class TicketEvent(Table, tablename="ticket_event"):
    ticket = ForeignKey(references=Ticket, on_delete=OnDelete.cascade, index=True)
    actor = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.set_null)
    kind = Varchar(length=40)
    detail = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class Improvement(Table, tablename="improvement"):
    """A change made because of feedback, written for patients ("you said, we did")."""

    title = Varchar(length=200)
    body = Text()
    department = ForeignKey(references=Department, on_delete=OnDelete.restrict, index=True)
    location = ForeignKey(references=Location, null=True, on_delete=OnDelete.restrict)
    change_date = Date()
    status = Varchar(length=20, default="draft", index=True)
    published_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class ImprovementTicket(Table, tablename="improvement_ticket"):
    improvement = ForeignKey(references=Improvement, on_delete=OnDelete.cascade, index=True)
    ticket = ForeignKey(references=Ticket, on_delete=OnDelete.cascade, index=True)


class AuditEvent(Table, tablename="audit_event"):
    """Append-only record of who did what to which object, from where. Never PHI values.

    The actor is kept as plain values, not a foreign key, so the record outlives the account.
    """

    actor_id = Integer(null=True, default=None, index=True)
    actor_label = Varchar(length=254, default="")
    action = Varchar(length=60, index=True)
    object_type = Varchar(length=60, default="")
    object_id = Varchar(length=64, default="")
    client_address = Varchar(length=64, default="")
    detail = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    # The hash chain: each entry hashes its own fields with its predecessor's hash, so an
    # edited, deleted, reordered or inserted row breaks the chain (`feedback audit verify`).
    # Unique by a raw index in the migration (SQLite cannot add a UNIQUE column).
    sequence = Integer(null=True, default=None, index=True)
    previous_hash = Varchar(length=64, default="")
    entry_hash = Varchar(length=64, default="")


class RoutingRule(Table, tablename="routing_rule"):
    """One routing rule (feedback.routing): ordered by position, first match wins."""

    position = Integer(index=True)
    name = Varchar(length=200)
    conditions = JSON(default="{}")
    action = JSON(default="{}")
    is_default = Boolean(default=False)
    enabled = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


# Daily summaries for the executive figures (feedback.services.dashboard.summaries): derived
# data, rebuilt from the tables above, one row per UTC day and the dimensions the dashboard
# filters on. Locations and departments are plain ids: a rebuild must not wait on their rows.
class SummaryDay(Table, tablename="summary_day"):
    """A day whose summary rows have been built."""

    day = Date(unique=True)
    built_at = Timestamptz(default=TimestamptzNow())


class SummaryStale(Table, tablename="summary_stale"):
    """A change to a built day, written by database triggers in the changing transaction.
    Append-only: a rebuild deletes exactly the marks it read, so a mark written while it ran
    survives for the next one."""

    day = Date(index=True)


class SummaryFeedback(Table, tablename="summary_feedback"):
    day = Date(index=True)
    location = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    source = Varchar(length=20)
    sentiment = Varchar(length=10)
    n = Integer()
    ticketed = Integer()  # of n, items linked to a ticket


class SummaryTheme(Table, tablename="summary_theme"):
    """Negative mentions of each theme."""

    day = Date(index=True)
    location = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    source = Varchar(length=20)
    theme = Varchar(length=40)
    n = Integer()


class SummaryScore(Table, tablename="summary_score"):
    """Numeric survey answers, by question and score."""

    day = Date(index=True)
    location = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    question_key = Varchar(length=40)
    score = Integer()
    n = Integer()


class SummaryInvitation(Table, tablename="summary_invitation"):
    """Invitations by the day they were sent, and how many of them were answered."""

    day = Date(index=True)
    location = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    sent = Integer()
    answered = Integer()


class SummaryRecommend(Table, tablename="summary_recommend"):
    """One row per answer to a 0-10 recommend question of a patient's visit: the group it puts
    the patient in and whether they came back within a year. Per patient, not counted, because
    the dashboard counts distinct patients over a whole period."""

    day = Date(index=True)
    location = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    question_key = Varchar(length=40)
    patient = Integer()
    grp = Varchar(length=10)
    returned = Integer()  # 1 if they came back within a year (an integer on both engines)
