"""Background work: the outbox dispatcher, in the server process or in `feedback worker`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Awaitable, Callable

from feedback.auth.sessions import SessionPolicy, purge_expired_sessions
from feedback.logs import exception_summary, log_event
from feedback.services.data_rights import purge_expired
from feedback.services.escalation import escalate_overdue, send_digests
from feedback.services.improvements import still_consents
from feedback.services.monthly_summary import send_monthly_summaries
from feedback.services.reviews import ReviewConfig, run_due_sources
from feedback.services.summaries import build_pending
from feedback.settings import Settings
from integrations.email import Dispatcher, SmtpSender
from integrations.ratelimit import purge_before
from surveys.visits import send_reminders

DISPATCH_INTERVAL_SECONDS = 2.0
REMINDER_INTERVAL_SECONDS = 600.0
HOUSEKEEPING_INTERVAL_SECONDS = 3600.0
TICKET_CLOCK_INTERVAL_SECONDS = 900.0
# How often the scheduler looks for review sources that are due (each has its own interval).
REVIEW_SCHEDULE_INTERVAL_SECONDS = 300.0
# Days changed since they were summarised are read live (slower) until this rebuilds them.
SUMMARY_INTERVAL_SECONDS = 60.0
# The monthly summary goes out at the first run after a month turns (idempotent per month).
MONTHLY_SUMMARY_INTERVAL_SECONDS = 6 * 3600.0


def build_dispatcher(settings: Settings) -> Dispatcher:
    return Dispatcher(
        SmtpSender.from_url(settings.smtp_url, settings.mail_from),
        settings.mail_from,
        suppression_key=settings.blind_index_key,
        keyring=settings.keyring,
        should_send=still_consents,
    )


class BackgroundWork:
    """Starts the periodic jobs and stops them cleanly (a send in flight is finished)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.stop.clear()
        dispatcher = build_dispatcher(self.settings)
        self.tasks.append(
            asyncio.create_task(dispatcher.run_forever(self.stop, DISPATCH_INTERVAL_SECONDS))
        )
        self.tasks.append(
            asyncio.create_task(
                self._every(HOUSEKEEPING_INTERVAL_SECONDS, self._housekeeping, "housekeeping")
            )
        )
        self.tasks.append(
            asyncio.create_task(
                self._every(TICKET_CLOCK_INTERVAL_SECONDS, self._ticket_clock, "ticket_clock")
            )
        )
        self.tasks.append(
            asyncio.create_task(
                self._every(REVIEW_SCHEDULE_INTERVAL_SECONDS, self._collect_reviews, "reviews")
            )
        )
        self.tasks.append(
            asyncio.create_task(
                self._every(MONTHLY_SUMMARY_INTERVAL_SECONDS, self._monthly, "monthly_summary")
            )
        )
        self.tasks.append(
            asyncio.create_task(self._every(SUMMARY_INTERVAL_SECONDS, self._summaries, "summaries"))
        )
        if self.settings.survey_reminder_days:
            self.tasks.append(
                asyncio.create_task(
                    self._every(REMINDER_INTERVAL_SECONDS, self._remind, "survey_reminders")
                )
            )

    async def _ticket_clock(self) -> None:
        await escalate_overdue(self.settings.base_url)
        await send_digests(self.settings.base_url)

    async def _collect_reviews(self) -> None:
        await run_due_sources(ReviewConfig.from_settings(self.settings))

    async def _monthly(self) -> None:
        await send_monthly_summaries(dt.date.today(), self.settings.base_url)

    async def _summaries(self) -> None:
        await build_pending()

    async def _housekeeping(self) -> None:
        """Expired staff sessions and old rate-limit counters are dropped, not kept forever."""
        await purge_expired_sessions(
            SessionPolicy(
                idle=dt.timedelta(minutes=self.settings.session_idle_minutes),
                absolute=dt.timedelta(hours=self.settings.session_absolute_hours),
            )
        )
        await purge_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        await purge_expired(
            self.settings.keyring,
            self.settings.retention_days,
            suppression_key=self.settings.blind_index_key,
        )

    async def _remind(self) -> None:
        await send_reminders(
            base_url=self.settings.base_url,
            delay=dt.timedelta(days=self.settings.survey_reminder_days),
            suppression_key=self.settings.blind_index_key,
            keyring=self.settings.keyring,
        )

    async def _every(self, seconds: float, job: Callable[[], Awaitable[None]], name: str) -> None:
        """Run `job` now and then every `seconds` until stopped; a failure is logged, not fatal."""
        while not self.stop.is_set():
            try:
                await job()
            except Exception as exc:  # the next run may well succeed (database restarting)
                log_event("job_failed", logging.ERROR, job=name, **exception_summary(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=seconds)

    async def close(self) -> None:
        self.stop.set()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()


async def run_worker(settings: Settings) -> None:
    """`feedback worker`: run the background jobs until SIGINT or SIGTERM."""
    work = BackgroundWork(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, work.stop.set)
    work.start()
    await work.stop.wait()
    await work.close()
