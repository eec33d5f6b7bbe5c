"""Email: the transactional outbox, its dispatcher, the SMTP sender and the suppression list.

The upper floors queue an `OutgoingEmail` with `enqueue()` inside the transaction that makes
the business change, and run a `Dispatcher` (in process or in `feedback worker`). See
docs/email.md.
"""

from integrations.email.backoff import Backoff, exponential_backoff
from integrations.email.dispatcher import Dispatcher, DispatchResult, OnSent, ShouldSend
from integrations.email.message import OutgoingEmail, build_message, message_id
from integrations.email.outbox import (
    DEAD,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    STATUSES,
    dead_letters,
    enqueue,
    retry_dead,
)
from integrations.email.sender import (
    DeliveryError,
    MailSender,
    PermanentFailure,
    SmtpSender,
    TemporaryFailure,
)
from integrations.email.suppression import (
    address_index,
    index_from_unsubscribe_token,
    is_suppressed,
    suppress,
    suppress_index,
    unsubscribe_token,
)

__all__ = [
    "DEAD",
    "PENDING",
    "SENDING",
    "SENT",
    "SKIPPED",
    "STATUSES",
    "Backoff",
    "DeliveryError",
    "DispatchResult",
    "Dispatcher",
    "MailSender",
    "OnSent",
    "OutgoingEmail",
    "PermanentFailure",
    "ShouldSend",
    "SmtpSender",
    "TemporaryFailure",
    "address_index",
    "build_message",
    "dead_letters",
    "enqueue",
    "exponential_backoff",
    "index_from_unsubscribe_token",
    "is_suppressed",
    "message_id",
    "retry_dead",
    "suppress",
    "suppress_index",
    "unsubscribe_token",
]
