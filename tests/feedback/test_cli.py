"""The `feedback` command as an operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from feedback.tables import StaffUser
from tests.conftest import TEST_SECRET_KEY


def _feedback(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
    }
    return subprocess.run(
        [sys.executable, "-m", "feedback", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_create_user_prompts_for_the_password_twice(db, database_url):
    result = _feedback(
        database_url,
        "create-user",
        "--email",
        "Exec@Hospital.org",
        "--name",
        "Ada Exec",
        "--role",
        "executive",
        stdin="a strong passphrase\na strong passphrase\n",
    )
    assert result.returncode == 0, result.stderr
    assert "a strong passphrase" not in result.stdout + result.stderr
    row = await StaffUser.select().where(StaffUser.email == "exec@hospital.org").first()
    assert row["role"] == "executive" and row["password_hash"].startswith("$argon2id$")


async def test_create_user_explains_what_is_wrong(db, database_url):
    result = _feedback(
        database_url,
        "create-user",
        "--email",
        "lead@hospital.org",
        "--name",
        "Lee",
        "--role",
        "lead",
        "--department",
        "Nowhere",
        stdin="a strong passphrase\n" * 2,
    )
    assert result.returncode == 1
    assert "No department is named 'Nowhere'" in result.stderr
    result = _feedback(
        database_url,
        "create-user",
        "--email",
        "x@hospital.org",
        "--name",
        "X",
        "--role",
        "admin",
        stdin="short\nshort\n",
    )
    assert result.returncode == 1
    assert "at least 12 characters" in result.stderr
    assert await StaffUser.count() == 0


async def test_demo_seeds_a_believable_hospital_and_prints_sign_ins_once(db, database_url):
    result = _feedback(database_url, "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    assert "Demo hospital created: 3 locations" in result.stdout
    lines = [line.split() for line in result.stdout.splitlines() if "@demo.example.org" in line]
    roles = {fields[0] for fields in lines}
    assert roles == {"admin", "executive", "lead", "staff"}
    again = _feedback(database_url, "demo", "--no-serve")
    assert "Demo hospital created" not in again.stdout  # seeded once
    new_passwords = {line.split()[2] for line in again.stdout.splitlines() if "@demo" in line}
    assert new_passwords.isdisjoint({fields[2] for fields in lines})


def test_analyze_needs_no_database_and_keeps_the_order():
    lines = "\n".join(
        json.dumps({"id": str(number), "text": text})
        for number, text in enumerate(["Terrible wait.", "Wonderful nurses!", "Fine."])
    )
    result = _feedback("sqlite:////nonexistent/dir/x.sqlite3", "analyze", "-", stdin=lines)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == ["0", "1", "2"]
    assert out[0]["sentiment"] == "negative" and out[1]["sentiment"] == "positive"
