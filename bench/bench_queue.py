"""The lead's queue at scale: 1M feedback items and 100k tickets.

Run: python bench/bench_queue.py [--engine sqlite|postgres] [--items N] [--tickets N]

Seeds a fresh database (bulk inserts straight through the driver: the point is the size of
the tables, not how fast they fill), starts `feedback serve` on loopback, signs in as a lead
and requests the queue page and its filtered htmx partials repeatedly, then prints p50/p95
latency per request kind and the machine it ran on. The target (issue 5) is p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.auth.passwords import hash_password  # noqa: E402
from feedback.db import bind_engine, close_engine, make_engine, run_migrations, start_engine  # noqa: E402
from feedback.settings import load_settings  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
PASSWORD = "bench passphrase for the lead"
DEPARTMENTS = 14
THEMES = ("wait_time", "billing", "facilities", "communication", "staff_attitude", "access")
STATUSES = ("new", "acknowledged", "in_progress", "resolved", "closed")
REQUESTS = (
    ("queue page", "/tickets", {}),
    ("partial: overdue", "/tickets?overdue=1", {"HX-Request": "true"}),
    ("partial: theme", "/tickets?theme=billing", {"HX-Request": "true"}),
    ("partial: status+priority", "/tickets?status=new&priority=normal", {"HX-Request": "true"}),
    ("partial: page 5 by newest", "/tickets?sort=newest&page=5", {"HX-Request": "true"}),
)


def machine() -> str:
    cpu_lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpu_lines if line.startswith("model name")),
        platform.processor(),
    )
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rows(items: int, tickets: int, seed: int = 11):
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    feedback = []
    for number in range(1, items + 1):
        received = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        theme = rng.choice(THEMES)
        feedback.append(
            (
                number,
                "survey",
                "",
                f"Synthetic comment {number} about {theme}.",
                5,
                10,
                rng.randint(1, 3),
                rng.randint(1, DEPARTMENTS),
                received,
                "en",
                rng.choice(("negative", "positive", "mixed", "neutral")),
                -0.3,
                json.dumps([{"theme": theme, "sentiment": "negative"}]),
                False,
                "[]",
                "[]",
                "bench",
                received,
                "",
            )
        )
    ticket_rows, links = [], []
    for number in range(1, tickets + 1):
        created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        theme = rng.choice(THEMES)
        ticket_rows.append(
            (
                number,
                f"{theme.capitalize()}: negative survey feedback",
                rng.randint(1, DEPARTMENTS),
                rng.choice(("urgent", "high", "normal", "normal", "low")),
                rng.choice(STATUSES),
                created + dt.timedelta(days=1),
                created + dt.timedelta(days=7),
                "rule 1",
                "bench",
                "[]",
                theme,
                "survey",
                rng.randint(1, 3),
                created,
                created,
            )
        )
        links.append((number, number, rng.randint(1, items), created))
    return feedback, ticket_rows, links


FEEDBACK_COLUMNS = (
    "id, source, channel, text, rating, rating_scale, location, department, received_at, "
    "language, sentiment, polarity, themes, urgent, urgent_reasons, explanation, "
    "analyzer_version, analyzed_at, question_key"
)
TICKET_COLUMNS = (
    "id, title, department, priority, status, acknowledge_due_at, resolve_due_at, routing_rule, "
    "routing_reason, tags, theme, source, location, created_at, updated_at"
)


async def seed(database_url: str, items: int, tickets: int) -> None:
    settings = load_settings(
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "ENVIRONMENT": "test"}
    )
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    await run_migrations()
    await close_engine(engine)
    feedback, ticket_rows, links = rows(items, tickets)
    lead_hash = hash_password(PASSWORD)
    reference = [
        (
            "INSERT INTO location (id, name, slug, address, timezone, review_url) VALUES "
            "($1, $2, $3, '', 'UTC', '')",
            [(i, f"Site {i}", f"site-{i}") for i in range(1, 4)],
        ),
        (
            "INSERT INTO department (id, name, slug, description) VALUES ($1, $2, $3, '')",
            [(i, f"Department {i}", f"dept-{i}") for i in range(1, DEPARTMENTS + 1)],
        ),
        (
            "INSERT INTO staff_user (id, email, display_name, password_hash, role, department, "
            "is_active, created_at) VALUES (1, 'lead@bench.example', 'Bench Lead', $1, 'lead', 1, "
            "true, now())",
            [(lead_hash,)],
        ),
    ]
    placeholders = lambda n: ", ".join(f"${i}" for i in range(1, n + 1))  # noqa: E731
    bulk = [
        (f"INSERT INTO feedback_item ({FEEDBACK_COLUMNS}) VALUES ({placeholders(19)})", feedback),
        (f"INSERT INTO ticket ({TICKET_COLUMNS}) VALUES ({placeholders(15)})", ticket_rows),
        (
            "INSERT INTO ticket_feedback (id, ticket, feedback_item, linked_at) VALUES "
            "($1, $2, $3, $4)",
            links,
        ),
    ]
    if database_url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        for sql, values in [*reference, *bulk]:
            sql = re.sub(r"\$\d+", "?", sql).replace("now()", "CURRENT_TIMESTAMP")
            sql = sql.replace("true", "1")
            connection.executemany(
                sql,
                [
                    tuple(v.isoformat(" ") if isinstance(v, dt.datetime) else v for v in row)
                    for row in values
                ],
            )
        connection.commit()
        connection.execute("ANALYZE")
        connection.close()
    else:
        connection = await asyncpg.connect(database_url)
        for sql, values in reference:
            await connection.executemany(sql, values)
        for sql, values in bulk:
            table = sql.split()[2]
            columns = [c.strip() for c in sql.split("(", 1)[1].split(")", 1)[0].split(",")]
            records = values
            await connection.copy_records_to_table(table, records=records, columns=columns)
        for table in ("feedback_item", "ticket", "ticket_feedback"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await connection.execute("ANALYZE")
        await connection.close()


def measure(base: str, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name, _, _ in REQUESTS}
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        response = client.post(
            "/login",
            data={"email": "lead@bench.example", "password": PASSWORD, "_csrf_token": token},
        )
        assert response.status_code == 303, response.text
        for _name, path, headers in REQUESTS:  # warm up
            assert client.get(path, headers=headers).status_code == 200, path
        for _ in range(rounds):
            for name, path, headers in REQUESTS:
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--postgres-admin", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    database = None
    if args.engine == "sqlite":
        database_url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    else:
        database = f"bench_queue_{os.getpid()}"
        asyncio.run(_admin(args.postgres_admin, f'CREATE DATABASE "{database}"'))
        database_url = args.postgres_admin.rsplit("/", 1)[0] + f"/{database}"
    print(f"Machine: {machine()}")
    print(
        f"Engine: {args.engine}; seeding {args.items:,} feedback items and "
        f"{args.tickets:,} tickets …",
        flush=True,
    )
    started = time.perf_counter()
    asyncio.run(seed(database_url, args.items, args.tickets))
    print(f"Seeded in {time.perf_counter() - started:.0f} s", flush=True)
    server, base = start_server(database_url)
    try:
        timings = measure(base, args.rounds)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if database:
            asyncio.run(_admin(args.postgres_admin, f'DROP DATABASE "{database}" WITH (FORCE)'))
    print(f"{'request':<28}{'p50 ms':>10}{'p95 ms':>10}{'n':>6}")
    for name, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[18]
        print(f"{name:<28}{statistics.median(values):>10.1f}{p95:>10.1f}{len(values):>6}")


def start_server(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """`feedback serve` on a free port, once it answers /healthz. Two-step sign-in is off:
    the benchmarks measure pages, not a person typing codes from an authenticator app."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "feedback", "serve", "--port", str(port)],
        env=bench_env(database_url),
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    return server, base


def bench_env(database_url: str) -> dict[str, str]:
    """The environment of a `feedback` command run by a benchmark."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "DISPATCH_IN_PROCESS": "false",
        "MFA_REQUIRED_ROLES": "none",
    }


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
