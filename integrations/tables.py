from piccolo.columns import JSON, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxMessage(Table, tablename="outbox_message"):
    """An email (or other effect) committed together with the business change that caused it.

    `business_key` is unique so the same message can never be queued twice (a patient is told
    about an improvement once, however often it is republished).
    """

    kind = Varchar(length=50, index=True)
    business_key = Varchar(length=200, unique=True)
    recipient = Text()
    subject = Varchar(length=300)
    body_text = Text()
    body_html = Text(default="")
    headers = JSON(default="{}")
    status = Varchar(length=20, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class Suppression(Table, tablename="suppression"):
    """An address that must not be emailed (unsubscribed, bounced), found by its blind index."""

    address_index = Varchar(length=64, unique=True)
    reason = Varchar(length=50)
    created_at = Timestamptz(default=TimestamptzNow())


class RateLimitBucket(Table, tablename="rate_limit_bucket"):
    """One fixed-window counter, shared by every process through the database. The bucket
    names a hashed key (never a raw client address) and the window it counts."""

    bucket = Varchar(length=100, unique=True)
    hits = Integer(default=0)
    window_start = Timestamptz(index=True)
