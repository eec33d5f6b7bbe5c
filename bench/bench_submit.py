"""Survey submissions under load: 64 connections against the real server, SQLite and PostgreSQL.

Run: python bench/bench_submit.py [--engine sqlite|postgres|both] [--connections 64]
                                  [--duration 10] [--tokens 20000] [--workers 1]

For each engine: a fresh database with the demo hospital, N invitations issued through
`surveys.service.issue_invitation` (tokens kept here), `feedback serve` started as a
subprocess, then `wrk` (apt-get install wrk) drives it twice in the same run:

- `GET /ping`, a route that touches nothing: the framework's floor on this machine;
- `POST /s/<token>` with a complete inpatient survey, each request a distinct unused token,
  the CSRF cookie and form field a patient's browser would send (Litestar's double-submit
  token is not bound to a token or session, so one pair fetched from a survey page serves
  every request), and `X-Forwarded-For` naming a new client address every 100 requests:
  the survey pages allow 120 submissions per client address an hour, and the server is
  started with TRUSTED_PROXIES=127.0.0.1, as it would be behind a reverse proxy.

Why wrk and not a Python load generator: on a 2-core machine the generator shares the CPU
with the server, and httpx costs more CPU per request than the server's /ping; wrk's Lua
hooks post a distinct token per request, which is all the realism this needs.

Afterwards the database must hold exactly one stored response per acknowledged (303)
submission: every response is committed (SQLite WAL with synchronous=FULL, PostgreSQL's
default fsync) before the 303 is sent. Prints requests/s, p50/p99 latency, errors and the
machine. Targets (issue 10): ≥ 1,500 req/s on SQLite, ≥ 1,000 on PostgreSQL, p99 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ingest import POSTGRES_ADMIN_URL, SECRET, machine  # noqa: E402

from feedback.db import bind_engine, close_engine, make_engine, run_migrations, start_engine  # noqa: E402
from feedback.demo import seed_demo  # noqa: E402
from feedback.settings import load_settings  # noqa: E402

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')
COMMENTS = (
    "The nurses were kind but we waited three hours for the discharge papers.",
    "Room was not cleaned once in four days and the bathroom smelled.",
    "Everyone was wonderful, thank you for looking after my mum.",
    "Nobody told us what the new medicine was for.",
    "Food was cold and the call bell took forever to be answered at night.",
)
LUA = r"""
-- Each wrk thread posts its own share of the tokens, one per request, never twice.
local threads, count = {}, 0
function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  cookie, csrf = args[3], args[4]
  lines, next_line, ok, other, limited, exhausted = {}, 1, 0, 0, 0, 0
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == id then table.insert(lines, line) end
    i = i + 1
  end
end

function request()
  local line = lines[next_line]
  if line == nil then
    exhausted = exhausted + 1
    return wrk.format("GET", "/ping")
  end
  local n = next_line
  next_line = next_line + 1
  local tab = string.find(line, "\t")
  local token, comment = string.sub(line, 1, tab - 1), string.sub(line, tab + 1)
  local client = math.floor(n / 100)
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", id, math.floor(client / 250) % 250,
                                        client % 250 + 1),
  }
  local body = "_csrf_token=" .. csrf .. "&lang=en&nurses_courtesy=always&room_clean=usually"
    .. "&new_medicine=yes&overall_rating=" .. (n % 11) .. "&improve=" .. comment .. "&went_well="
  return wrk.format("POST", "/s/" .. token, headers, body)
end

function response(status, headers, body)
  if status == 303 then ok = ok + 1
  elseif status == 429 then limited = limited + 1
  elseif status ~= 200 then other = other + 1 end
end

function done(summary, latency, requests)
  local ok_, other_, limited_, exhausted_ = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    ok_ = ok_ + t:get("ok"); other_ = other_ + t:get("other")
    limited_ = limited_ + t:get("limited"); exhausted_ = exhausted_ + t:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"socket_errors": %d, "status_errors": %d, "acknowledged": %d, "other_status": %d, '
    .. '"rate_limited": %d, "exhausted": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, ok_, other_, limited_, exhausted_))
end
"""
PING_LUA = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"socket_errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def settings_for(database_url: str):  # type: ignore[no-untyped-def]
    return load_settings(
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "ENVIRONMENT": "test"}
    )


async def prepare(database_url: str, tokens: int) -> list[str]:
    """Migrate, seed the demo hospital, and issue `tokens` inpatient invitations."""
    from surveys.service import issue_invitation, survey_version_for
    from surveys.tables import Visit

    settings = settings_for(database_url)
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo's migration banner
            await run_migrations()
        await seed_demo(settings.base_url, settings.blind_index_key, keyring=settings.keyring)
        visit = await Visit.select().where(Visit.visit_type == "inpatient").first()
        version = await survey_version_for("inpatient", visit["location"])
        issued: list[str] = []
        while len(issued) < tokens:
            async with engine.transaction():  # one commit per thousand, not per invitation
                for _ in range(min(1000, tokens - len(issued))):
                    issued.append((await issue_invitation(visit["id"], version))[1])
        return issued
    finally:
        await close_engine(engine)


async def count_stored(database_url: str) -> tuple[int, int, int]:
    """(responses stored, invitations used, messages queued in the outbox)."""
    from integrations.tables import OutboxMessage
    from surveys.tables import Invitation, Response

    settings = settings_for(database_url)
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    try:
        responses = await Response.count()
        used = await Invitation.count().where(Invitation.used_at.is_not_null())
        return responses, used, await OutboxMessage.count()
    finally:
        await close_engine(engine)


def start_server(database_url: str, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        # What is measured is the submission (issue 10): the urgent alerts it queues (one bench
        # comment in five) are committed with it, and sent by `feedback worker` processes, not
        # by the server under test. Sent from the server, with nothing listening, every pass of
        # the dispatcher built each waiting message again to fail again; sent to a loopback SMTP
        # server, they cost it 5-6 ms of CPU each (docs/performance.md).
        "DISPATCH_IN_PROCESS": "false",
        "SMTP_URL": "smtp://127.0.0.1:9",
        "TRUSTED_PROXIES": "127.0.0.1",  # so X-Forwarded-For names the client
    }
    command = [sys.executable, "-m", "feedback", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(
        command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
        if server.poll() is not None:
            break
    stop_server(server)
    sys.exit(f"the server did not start:\n{log.read_text()[-2000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def csrf_pair(port: int, token: str) -> tuple[str, str]:
    """(Cookie header, url-encoded form token) as a browser gets them from a survey page."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"http://127.0.0.1:{port}/s/{token}") as page:
        html = page.read().decode()
    form_token = CSRF_INPUT.search(html)
    assert form_token, "no CSRF token on the survey page"
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, urllib.parse.quote(form_token.group(1), safe="")


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command name, user+system CPU seconds) of every process, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            head, tail = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        cpu = (int(fields[11]) + int(fields[12])) / tick
        found.append((int(entry), int(fields[1]), head.split("(", 1)[1], cpu))
    return found


def tree_cpu_seconds(root: int) -> float:
    """User+system CPU of a process and its descendants (uvicorn workers)."""
    cpu: dict[int, float] = {}
    children: dict[int, list[int]] = {}
    for pid, parent, _, seconds in _processes():
        cpu[pid] = seconds
        children.setdefault(parent, []).append(pid)
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0.0)
        stack.extend(children.get(pid, ()))
    return total


def postgres_cpu_seconds() -> float:
    """CPU of the local PostgreSQL server's processes (postmaster, backends, WAL writer): on
    one machine they share the cores with the server under test, so their cost per request
    is printed beside the server's. Backends that exit between two readings are not
    counted; the server's pool keeps its connections open for the whole run."""
    return sum(cpu for _, _, name, cpu in _processes() if name == "postgres")


def wrk(url: str, script: Path, args: list[str], connections: int, duration: int) -> dict:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
    ]
    command += ["-s", str(script), url, "--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def describe(name: str, result: dict) -> str:
    rate = result["requests"] / (result["duration_us"] / 1e6)
    errors = result["socket_errors"] + result["status_errors"] + result.get("other_status", 0)
    return (
        f"{name}: {rate:,.0f} req/s, p50 {result['p50_us'] / 1000:.1f} ms, "
        f"p99 {result['p99_us'] / 1000:.1f} ms, {result['requests']:,} requests, "
        f"{errors} errors, server CPU {result['cpu_ms']:.2f} ms/request"
        + (
            f", PostgreSQL CPU {result['database_cpu_ms']:.2f} ms/request"
            if "database_cpu_ms" in result
            else ""
        )
    )


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def bench(engine: str, args: argparse.Namespace, scratch: Path) -> None:
    name = f"bench_submit_{os.getpid()}"
    if engine == "sqlite":
        database_url = f"sqlite:///{scratch / 'submit.sqlite3'}"
    else:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        database_url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    server = None
    try:
        tokens = asyncio.run(prepare(database_url, args.tokens))
        lines = scratch / "tokens.tsv"
        # The first token is kept back: its page hands out the CSRF cookie and form token.
        lines.write_text(
            "".join(
                f"{token}\t{urllib.parse.quote_plus(COMMENTS[n % len(COMMENTS)])}\n"
                for n, token in enumerate(tokens[1:])
            )
        )
        (scratch / "submit.lua").write_text(LUA)
        (scratch / "ping.lua").write_text(PING_LUA)
        port = 18000 + os.getpid() % 1000
        server = start_server(database_url, port, args.workers, scratch / f"{engine}.log")
        cookie, form_token = csrf_pair(port, tokens[0])
        base = f"http://127.0.0.1:{port}"
        before = tree_cpu_seconds(server.pid)
        ping = wrk(f"{base}/ping", scratch / "ping.lua", [], args.connections, args.duration)
        middle = tree_cpu_seconds(server.pid)
        database_before = postgres_cpu_seconds()
        submit = wrk(
            base,
            scratch / "submit.lua",
            [str(lines), str(min(2, args.connections)), cookie, form_token],
            args.connections,
            args.duration,
        )
        after = tree_cpu_seconds(server.pid)
        database_after = postgres_cpu_seconds()
        # Server CPU per request: what a request costs, whatever else the machine is doing.
        ping["cpu_ms"] = (middle - before) * 1000 / max(1, ping["requests"])
        submit["cpu_ms"] = (after - middle) * 1000 / max(1, submit["requests"])
        if engine == "postgres":
            submit["database_cpu_ms"] = (
                (database_after - database_before) * 1000 / max(1, submit["requests"])
            )
        stop_server(server)
        server = None
        stored, used, queued = asyncio.run(count_stored(database_url))
    finally:
        if server is not None:
            stop_server(server)
        if engine == "postgres":
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    label = f"{engine:<8} ({args.workers} worker(s), {args.connections} connections)"
    print(f"{label} GET /ping          {describe('', ping)}", flush=True)
    print(f"{label} POST /s/<token>    {describe('', submit)}", flush=True)
    print(
        f"{label} stored responses {stored:,}, invitations used {used:,}, acknowledged (303) "
        f"{submit['acknowledged']:,}, rate-limited (429) {submit['rate_limited']}, "
        f"other statuses {submit['other_status']}, urgent alerts queued {queued:,}"
        + (
            f", tokens ran out ({submit['exhausted']} pings instead)" if submit["exhausted"] else ""
        ),
        flush=True,
    )
    # wrk stops with up to one request per connection in flight: the server finishes and stores
    # those, but wrk never reads their 303. So stored may exceed acknowledged by that much.
    in_flight = stored - submit["acknowledged"]
    if used != stored or not 0 <= in_flight <= args.connections:
        print(f"{label} MISMATCH: every acknowledged submission must be stored exactly once")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--tokens", type=int, default=20_000, help="invitations issued")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} at start", flush=True)
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    for engine in engines:
        with tempfile.TemporaryDirectory(prefix="bench-submit-") as scratch:
            bench(engine, args, Path(scratch))


if __name__ == "__main__":
    main()
