"""Background work: the outbox dispatcher, in the server process or in `feedback worker`."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from feedback.settings import Settings
from integrations.email import Dispatcher, SmtpSender

DISPATCH_INTERVAL_SECONDS = 2.0


def build_dispatcher(settings: Settings) -> Dispatcher:
    return Dispatcher(
        SmtpSender.from_url(settings.smtp_url, settings.mail_from),
        settings.mail_from,
        suppression_key=settings.blind_index_key,
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
