from piccolo.columns import Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Location(Table, tablename="location"):
    name = Varchar(length=200)
    slug = Varchar(length=80, unique=True)
    address = Text(default="")
    timezone = Varchar(length=64, default="UTC")


class Department(Table, tablename="department"):
    """An organisation-wide department (Billing serves every location; visits name both)."""

    name = Varchar(length=200, unique=True)
    slug = Varchar(length=80, unique=True)
    description = Text(default="")


class Patient(Table, tablename="patient"):
    """PHI. Never logged, never put in a URL, a subject line or an email body."""

    given_name = Text()
    family_name = Text()
    email = Text(default="")
    phone = Text(default="")
    mrn = Varchar(length=64, unique=True)
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
