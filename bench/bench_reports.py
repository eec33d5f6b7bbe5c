"""The executive dashboard and PDF at scale: 1M feedback items, 100k tickets, 200k responses.

Run: python bench/bench_reports.py [--engine sqlite|postgres] [--items N] [--tickets N]
     [--responses N] [--rounds N]

Seeds a fresh database with bench_queue's feedback and tickets plus survey responses (an NPS
and an overall rating answer each) and 2.5 invitations per response, builds the daily
summaries (what the worker does every minute; here the full build, timed), serves the app on
loopback, signs in as an executive, requests the dashboard with varied filters and the PDF
for a quarter, and prints p50/p95 and the machine. Targets (issue 8): dashboard p95 <= 200 ms,
quarter PDF <= 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
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
sys.path.insert(0, str(ROOT / "bench"))

import bench_queue  # noqa: E402
from bench_queue import (  # noqa: E402
    DEPARTMENTS,
    PASSWORD,
    _admin,
    bench_env,
    machine,
    start_server,
)

from feedback.auth.passwords import hash_password  # noqa: E402
from surveys.library import LIBRARY  # noqa: E402

TODAY = dt.date.today()
QUARTER = f"from={TODAY - dt.timedelta(days=90)}&to={TODAY}"
REQUESTS = (
    ("dashboard, 90 days", f"/reports/dashboard?{QUARTER}", {}),
    ("partial, location 2", f"/reports/dashboard?{QUARTER}&location=2", {"HX-Request": "true"}),
    ("partial, department 5", f"/reports/dashboard?{QUARTER}&department=5", {"HX-Request": "true"}),
    (
        "partial, source survey",
        f"/reports/dashboard?{QUARTER}&source=survey",
        {"HX-Request": "true"},
    ),
    (
        "partial, 30 days",
        f"/reports/dashboard?from={TODAY - dt.timedelta(days=29)}&to={TODAY}",
        {"HX-Request": "true"},
    ),
)


def survey_rows(responses: int, seed: int = 23):
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    patients, visits, invitations, response_rows, answers = [], [], [], [], []
    invitation_id = 0
    for number in range(1, responses + 1):
        submitted = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        patients.append((number, "Bench", f"Patient {number}", f"B-{number}"))
        visits.append(
            (
                number,
                number,
                rng.randint(1, 3),
                rng.randint(1, DEPARTMENTS),
                submitted.date(),
                "clinic",
            )
        )
        for extra in range(2 if number % 2 else 3):  # 2.5 invitations per response
            invitation_id += 1
            invitations.append(
                (
                    invitation_id,
                    number,
                    1,
                    f"{invitation_id:064x}",
                    submitted,
                    submitted + dt.timedelta(days=30),
                    submitted,
                    submitted if extra == 0 else None,
                )
            )
        response_rows.append(
            (
                number,
                invitation_id - (1 if number % 2 else 2),
                1,
                rng.randint(1, 3),
                visits[-1][3],
                number,
                submitted,
            )
        )
        score = rng.choice((10, 10, 9, 9, 8, 7, 6, 3))
        answers.append((2 * number - 1, number, "recommend", str(score), score))
        rating = rng.choice((10, 9, 9, 8, 7, 5))
        answers.append((2 * number, number, "provider_rating", str(rating), rating))
    return patients, visits, invitations, response_rows, answers


async def seed(database_url: str, items: int, tickets: int, responses: int) -> None:
    await bench_queue.seed(database_url, items, tickets)
    patients, visits, invitations, response_rows, answers = survey_rows(responses)
    import json

    definition = json.dumps(LIBRARY[0][2])
    tables = [
        ("survey", "id, key, name, label", [(1, "bench", "Bench survey", "")]),
        (
            "survey_version",
            "id, survey, number, definition, status",
            [(1, 1, 1, definition, "published")],
        ),
        ("patient", "id, given_name, family_name, mrn", patients),
        ("visit", "id, patient, location, department, visit_date, visit_type", visits),
        (
            "invitation",
            "id, visit, survey_version, token_hash, created_at, expires_at, sent_at, used_at",
            invitations,
        ),
        (
            "survey_response",
            "id, invitation, survey_version, location, department, visit, submitted_at",
            response_rows,
        ),
        ("survey_answer", "id, response, question_key, value, numeric_value", answers),
        (
            "staff_user",
            "id, email, display_name, password_hash, role, is_active",
            [
                (
                    2,
                    "exec@bench.example",
                    "Bench Executive",
                    hash_password(PASSWORD),
                    "executive",
                    True,
                )
            ],
        ),
    ]
    if database_url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        for table, columns, values in tables:
            marks = ", ".join("?" for _ in columns.split(","))
            connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                [
                    tuple(
                        v.isoformat(" ")
                        if isinstance(v, dt.datetime)
                        else v.isoformat()
                        if isinstance(v, dt.date)
                        else v
                        for v in row
                    )
                    for row in values
                ],
            )
        connection.commit()
        connection.execute("ANALYZE")
        connection.close()
    else:
        connection = await asyncpg.connect(database_url)
        for table, columns, values in tables:
            names = [c.strip() for c in columns.split(",")]
            await connection.copy_records_to_table(table, records=values, columns=names)
        await connection.execute("ANALYZE")
        await connection.close()


def measure(
    base: str, rounds: int, save_pdf: str | None = None
) -> tuple[dict[str, list[float]], list[float], int]:
    timings: dict[str, list[float]] = {name: [] for name, _, _ in REQUESTS}
    pdf_times: list[float] = []
    with httpx.Client(base_url=base, timeout=120) as client:
        page = client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        response = client.post(
            "/login",
            data={"email": "exec@bench.example", "password": PASSWORD, "_csrf_token": token},
        )
        assert response.status_code == 303, response.text
        for _name, path, headers in REQUESTS:
            assert client.get(path, headers=headers).status_code == 200, path
        for _ in range(rounds):
            for name, path, headers in REQUESTS:
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
        size = 0
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(f"/reports/summary.pdf?{QUARTER}")
            pdf_times.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.content.startswith(b"%PDF")
            size = len(response.content)
        if save_pdf:
            Path(save_pdf).write_bytes(response.content)
    return timings, pdf_times, size


def server_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--save-pdf", help="keep the last quarter PDF at this path")
    parser.add_argument("--postgres-admin", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    database = None
    if args.engine == "sqlite":
        database_url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    else:
        database = f"bench_reports_{os.getpid()}"
        asyncio.run(_admin(args.postgres_admin, f'CREATE DATABASE "{database}"'))
        database_url = args.postgres_admin.rsplit("/", 1)[0] + f"/{database}"
    print(f"Machine: {machine()}")
    print(
        f"Engine: {args.engine}; seeding {args.items:,} feedback items, "
        f"{args.tickets:,} tickets, {args.responses:,} responses …",
        flush=True,
    )
    started = time.perf_counter()
    asyncio.run(seed(database_url, args.items, args.tickets, args.responses))
    print(f"Seeded in {time.perf_counter() - started:.0f} s", flush=True)
    # What the worker does every minute; here every day is new, so this is the full build.
    started = time.perf_counter()
    built = subprocess.run(
        [sys.executable, "-m", "feedback", "summaries"],
        env=bench_env(database_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"{built.stdout.strip()} Full build: {time.perf_counter() - started:.1f} s", flush=True)
    server, base = start_server(database_url)
    try:
        timings, pdf_times, size = measure(base, args.rounds, args.save_pdf)
        peak = server_rss_kb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if database:
            asyncio.run(_admin(args.postgres_admin, f'DROP DATABASE "{database}" WITH (FORCE)'))
    print(f"{'request':<28}{'p50 ms':>10}{'p95 ms':>10}{'n':>6}")
    for name, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[18]
        print(f"{name:<28}{statistics.median(values):>10.1f}{p95:>10.1f}{len(values):>6}")
    print(
        f"PDF for a quarter: best {min(pdf_times):.2f} s, worst {max(pdf_times):.2f} s, "
        f"{size / 1024:.0f} KiB"
    )
    print(f"Server peak RSS: {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
