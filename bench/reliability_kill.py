"""Crash safety: the SQLite server is SIGKILLed at random moments during survey submissions.

Run: python bench/reliability_kill.py [--submissions 1000] [--kills 10] [--concurrency 8]

A fresh SQLite database with the demo hospital and one invitation per submission; the real
server (`feedback serve`) is started, and clients post every survey while a killer sends
SIGKILL to the server at random moments and starts it again. A submission that gets no answer
(connection refused or cut) is posted again with the same token until it is acknowledged,
as a patient pressing the button again would. Afterwards:

- every acknowledged submission (303) has its invitation used and exactly one response;
- no invitation has more than one response (no duplicates from the retries);
- `PRAGMA integrity_check` answers ok.

Prints the result and exits 1 when any check fails. tests/reliability/test_kill.py runs a
small version in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.db import bind_engine, close_engine, make_engine, run_migrations, start_engine  # noqa: E402
from feedback.settings import load_settings  # noqa: E402

SECRET = "reliability-secret-" + "x" * 40
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')
ANSWERS = {
    "lang": "en",
    "nurses_courtesy": "always",
    "room_clean": "usually",
    "new_medicine": "yes",
    "overall_rating": "7",
    "improve": "We waited two hours for the discharge papers.",
    "went_well": "Kind nurses.",
}


@dataclass
class Result:
    submissions: int
    acknowledged: int = 0
    kills: int = 0
    retries: int = 0
    stored_responses: int = 0
    missing: list[str] = field(default_factory=list)  # acknowledged but not stored
    duplicates: int = 0
    integrity: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.acknowledged == self.submissions
            and not self.missing
            and self.duplicates == 0
            and self.stored_responses == self.submissions
            and self.integrity == "ok"
        )


def _settings(database_url: str):  # type: ignore[no-untyped-def]
    return load_settings(
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "ENVIRONMENT": "test"}
    )


async def prepare(database_url: str, count: int) -> list[str]:
    """Migrate, seed the demo hospital and issue `count` inpatient invitations."""
    from feedback.demo import seed_demo
    from surveys.service import issue_invitation, survey_version_for
    from surveys.tables import Visit

    settings = _settings(database_url)
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            await run_migrations()
        await seed_demo(settings.base_url, settings.blind_index_key, keyring=settings.keyring)
        visit = await Visit.select().where(Visit.visit_type == "inpatient").first()
        version = await survey_version_for("inpatient", visit["location"])
        async with engine.transaction():
            return [(await issue_invitation(visit["id"], version))[1] for _ in range(count)]
    finally:
        await close_engine(engine)


class Server:
    """`feedback serve` in its own process group, so SIGKILL takes uvicorn and all."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.database_url = database_url
        self.log = log
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    async def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": SECRET,
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
            "DISPATCH_IN_PROCESS": "false",  # the submissions are under test, not the mail
            "TRUSTED_PROXIES": "127.0.0.1",  # so X-Forwarded-For names the client
        }
        command = [sys.executable, "-m", "feedback", "serve", "--port", str(self.port)]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log.read_text()[-1500:]}")
                try:
                    if (await client.get(f"{self.url}/ping", timeout=1)).status_code == 200:
                        return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("server did not start in 60 s")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def drive(
    server: Server, tokens: list[str], kills: int, concurrency: int, rng: random.Random
) -> Result:
    result = Result(submissions=len(tokens))
    acknowledged: set[str] = set()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for token in tokens:
        queue.put_nowait(token)
    up = asyncio.Event()
    await server.start()
    up.set()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        page = await client.get(f"/s/{tokens[0]}")  # a browser's CSRF cookie and form token
        csrf = CSRF_INPUT.search(page.text).group(1)  # type: ignore[union-attr]

        async def submitter(number: int) -> None:
            sent = 0
            while True:
                try:
                    token = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                while True:
                    await up.wait()
                    sent += 1
                    try:
                        answer = await client.post(
                            f"/s/{token}",
                            data={"_csrf_token": csrf, **ANSWERS},
                            # A new client address every 50 posts: the survey pages allow 120
                            # per address an hour (TRUSTED_PROXIES=127.0.0.1 believes it).
                            headers={"X-Forwarded-For": f"10.9.{number}.{sent // 50 % 250}"},
                        )
                    except httpx.TransportError:  # killed under us: the patient tries again
                        result.retries += 1
                        await asyncio.sleep(0.05)
                        continue
                    if answer.status_code == 303:
                        acknowledged.add(token)
                        break
                    raise RuntimeError(f"unexpected status {answer.status_code}")

        async def killer() -> None:
            # Kills are spread over the run by progress, not by the clock (a fast server would
            # otherwise finish before the first one), each at a random moment just after its
            # mark: a few milliseconds, in which a fast server still has posts in flight (with
            # up to 50 ms, the CI run's 30 posts sometimes all finished before the first kill).
            for number in range(1, kills + 1):
                mark = number * len(tokens) // (kills + 1) + rng.randint(0, 2)
                while len(acknowledged) < min(mark, len(tokens) - 1):
                    if all(task.done() for task in workers):
                        return
                    await asyncio.sleep(0.005)
                await asyncio.sleep(rng.uniform(0, 0.005))
                up.clear()
                server.kill()
                result.kills += 1
                await server.start()
                up.set()

        workers = [asyncio.create_task(submitter(n)) for n in range(concurrency)]
        chaos = asyncio.create_task(killer())
        await asyncio.gather(*workers)
        chaos.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chaos
    server.kill()  # the last stop is a crash too
    result.acknowledged = len(acknowledged)
    result.missing = sorted(acknowledged)  # narrowed by check()
    return result


def check(database_path: Path, result: Result) -> Result:
    """Read the database file directly, as an auditor would after the crash."""
    from surveys.service import hash_token

    connection = sqlite3.connect(database_path)
    try:
        result.integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        result.stored_responses = connection.execute(
            "SELECT count(*) FROM survey_response WHERE invitation IS NOT NULL"
        ).fetchone()[0]
        result.duplicates = connection.execute(
            "SELECT count(*) FROM (SELECT invitation FROM survey_response "
            "WHERE invitation IS NOT NULL GROUP BY invitation HAVING count(*) > 1)"
        ).fetchone()[0]
        stored = {
            row[0]
            for row in connection.execute(
                "SELECT i.token_hash FROM invitation i "
                "JOIN survey_response r ON r.invitation = i.id WHERE i.used_at IS NOT NULL"
            )
        }
    finally:
        connection.close()
    result.missing = [token for token in result.missing if hash_token(token) not in stored]
    return result


def run(database_path: Path, submissions: int, kills: int, concurrency: int, seed: int) -> Result:
    database_url = f"sqlite:///{database_path}"
    tokens = asyncio.run(prepare(database_url, submissions))
    server = Server(database_url, database_path.with_suffix(".log"))
    started = time.perf_counter()
    try:
        result = asyncio.run(drive(server, tokens, kills, concurrency, random.Random(seed)))
    finally:
        server.kill()
    result.seconds = time.perf_counter() - started
    return check(database_path, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reliability-") as scratch:
        result = run(
            Path(scratch) / "kill.sqlite3",
            args.submissions,
            args.kills,
            args.concurrency,
            args.seed,
        )
    print(
        f"seed {args.seed}: {result.submissions} submissions, {result.kills} SIGKILLs, "
        f"{result.retries} retried posts, {result.acknowledged} acknowledged, "
        f"{result.stored_responses} stored, {len(result.missing)} acknowledged but missing, "
        f"{result.duplicates} duplicated, integrity_check {result.integrity}, "
        f"{result.seconds:.0f} s -> {'PASS' if result.ok else 'FAIL'}"
    )
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
