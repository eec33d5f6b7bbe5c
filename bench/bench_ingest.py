"""Bulk import throughput and memory: `feedback import` on SQLite and PostgreSQL.

Run: python bench/bench_ingest.py [--rows 100000] [--engine sqlite|postgres|both] [--workers N]

Generates realistic comments (sentences of the labelled dev set recombined, with ratings,
locations, departments, dates and sometimes the survey question) into a temporary JSONL file,
seeds a fresh database with the demo hospital (departments, routing rules, leads), then runs
the real command as a subprocess and prints items/s (the ingest phase, as the command reports
it, and end to end including the checking pass and start-up), peak RSS of the command and of
its process tree, the tree's peak PSS (shared pages counted once; all sampled from /proc),
and the machine. Target (issue 10): ≥ 3,000 items/s and
< 300 MB peak for 1M rows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.db import bind_engine, close_engine, make_engine, run_migrations, start_engine  # noqa: E402
from feedback.demo import DEPARTMENTS, LOCATIONS, seed_demo  # noqa: E402
from feedback.settings import load_settings  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
QUESTIONS = ("What could we improve?", "What did we do well?", "Anything else to tell us?")


def _data_dir() -> Path:
    if os.environ.get("FEEDBACK_DATA"):
        return Path(os.environ["FEEDBACK_DATA"])
    shared = ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else Path("/work/shared/data")


def machine() -> str:
    cpu_lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpu_lines if line.startswith("model name")),
        platform.processor(),
    )
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def generate(path: Path, rows: int, seed: int = 10) -> None:
    """Comments built from real ones: whole dev-set comments, or two of their sentences
    recombined (so the analyzer sees varied text, not 216 strings over and over)."""
    texts = [json.loads(line)["text"] for line in (_data_dir() / "dev_comments.jsonl").open()]
    sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if s.strip()]
    rng = random.Random(seed)
    locations = [slug for _name, slug, _address, _tz in LOCATIONS]
    departments = [slug for _name, slug, _description, _lead in DEPARTMENTS]
    with path.open("w") as out:
        for number in range(rows):
            if rng.random() < 0.4:
                text = rng.choice(texts)
            else:
                text = " ".join(rng.sample(sentences, k=rng.randint(1, 3)))
            record: dict[str, object] = {"id": f"bench-{number}", "text": text}
            if rng.random() < 0.7:
                record.update(rating=rng.randint(0, 10), rating_scale=10)
            if rng.random() < 0.8:
                record["location"] = rng.choice(locations)
                record["department"] = rng.choice(departments)
            if rng.random() < 0.3:
                record["question"] = rng.choice(QUESTIONS)
            record["received_at"] = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
            out.write(json.dumps(record) + "\n")


async def prepare(database_url: str) -> None:
    settings = load_settings(
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "ENVIRONMENT": "test"}
    )
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo's migration banner
            await run_migrations()
        await seed_demo(settings.base_url, settings.blind_index_key, keyring=settings.keyring)
    finally:
        await close_engine(engine)


def _pss_kb(pid: int) -> int:
    """Proportional set size: private pages plus this process's share of the shared ones."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def _tree_rss_kb(root: int) -> tuple[int, int, int]:
    """(RSS of root, RSS of root and all its descendants, PSS of the same), in kB, from
    /proc. Summed RSS counts the interpreter and libraries once per process; PSS counts each
    shared page once in all, which is what the tree really takes from the machine."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        pss += _pss_kb(pid)
        stack.extend(children.get(pid, []))
    return rss.get(root, 0), total, pss


def run_import(database_url: str, path: Path, workers: int | None) -> dict[str, float | str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "feedback", "import", str(path)]
    if workers is not None:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_main = peak_tree = peak_pss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_main, peak_tree, peak_pss
        while not stop.is_set():
            main, tree, pss = _tree_rss_kb(process.pid)
            peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
            peak_pss = max(peak_pss, pss)
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of the command and its analysis workers (not the database server's): what an item
    # costs whatever else the machine is doing.
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"feedback import failed ({process.returncode}):\n{err.decode()[-2000:]}")
    summary = out.decode().strip()
    match = re.search(r"Imported (\d+) item\(s\), opened (\d+) ticket\(s\) in ([\d.]+) s", summary)
    assert match, summary
    items, tickets, ingest_seconds = int(match[1]), int(match[2]), float(match[3])
    return {
        "items": items,
        "tickets": tickets,
        "ingest_per_s": items / ingest_seconds,
        "end_to_end_per_s": items / elapsed,
        "seconds": elapsed,
        "cpu_ms_per_item": cpu * 1000 / items,
        "peak_main_mb": peak_main / 1024,
        "peak_tree_mb": peak_tree / 1024,
        "peak_tree_pss_mb": peak_pss / 1024,
    }


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def bench(engine: str, path: Path, workers: int | None, scratch: Path) -> None:
    if engine == "sqlite":
        database_url = f"sqlite:///{scratch / 'ingest.sqlite3'}"
    else:
        name = f"bench_ingest_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        database_url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        asyncio.run(prepare(database_url))
        result = run_import(database_url, path, workers)
    finally:
        if engine == "postgres":
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(
        f"{engine:<8} workers={'auto' if workers is None else workers}: "
        f"{result['items']:,} items, {result['tickets']:,} tickets; "
        f"ingest {result['ingest_per_s']:,.0f} items/s, "
        f"end to end {result['end_to_end_per_s']:,.0f} items/s ({result['seconds']:.1f} s); "
        f"CPU {result['cpu_ms_per_item']:.2f} ms/item (command and workers); "
        f"peak RSS {result['peak_main_mb']:.0f} MB (command), "
        f"{result['peak_tree_mb']:.0f} MB (with analysis workers; PSS "
        f"{result['peak_tree_pss_mb']:.0f} MB, shared pages counted once)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workers", type=int, default=None, help="default: the command's own")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        path = Path(scratch) / "comments.jsonl"
        generate(path, args.rows)
        print(
            f"input: {args.rows:,} comments, {path.stat().st_size / 1e6:.0f} MB JSONL", flush=True
        )
        engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
        for engine in engines:
            bench(engine, path, args.workers, Path(scratch))


if __name__ == "__main__":
    main()
