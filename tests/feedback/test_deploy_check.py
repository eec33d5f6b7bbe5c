from __future__ import annotations

import os
import subprocess
import sys

from feedback.deploy_check import deploy_problems
from feedback.settings import load_settings

GOOD = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "s" * 48,
    "BASE_URL": "https://feedback.hospital.example",
    "SMTP_URL": "smtp+starttls://mail.hospital.example:587",
    "ENCRYPTION_KEYS": "k2027:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "BLIND_INDEX_KEY": "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=",
}


def test_good_production_settings_pass():
    assert deploy_problems(load_settings(GOOD)) == []


def test_each_insecure_setting_is_named():
    problems = " | ".join(
        deploy_problems(
            load_settings(
                {
                    "BASE_URL": "http://feedback.hospital.example",
                    "SMTP_URL": "smtp://mail.hospital.example:25",
                }
            )
        )
    )
    for phrase in (
        "ENVIRONMENT is not production",
        "SECRET_KEY is the development default",
        "BASE_URL is not https",
        "SMTP_URL sends mail unencrypted",
    ):
        assert phrase in problems


def test_a_review_fetcher_allowed_onto_loopback_is_refused():
    problems = deploy_problems(load_settings({**GOOD, "REVIEW_FETCH_ALLOW_LOOPBACK": "true"}))
    assert len(problems) == 1
    assert problems[0].startswith("REVIEW_FETCH_ALLOW_LOOPBACK is on")


def test_the_command_checks_the_sqlite_file_too(sqlite_database_url):
    env = {**os.environ, **GOOD, "DATABASE_URL": sqlite_database_url}
    ok = subprocess.run(
        [sys.executable, "-m", "feedback", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "fit for production" in ok.stdout
    env["SECRET_KEY"] = ""
    env["ENVIRONMENT"] = "development"
    bad = subprocess.run(
        [sys.executable, "-m", "feedback", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "SECRET_KEY is the development default" in bad.stderr


def test_missing_weak_or_reused_encryption_keys_are_named():
    unset = {k: v for k, v in GOOD.items() if k not in ("ENCRYPTION_KEYS", "BLIND_INDEX_KEY")}
    derived = " | ".join(deploy_problems(load_settings({**unset, "ENVIRONMENT": "test"})))
    assert "ENCRYPTION_KEYS is not set" in derived and "BLIND_INDEX_KEY is not set" in derived
    weak = deploy_problems(
        load_settings(
            {**GOOD, "ENCRYPTION_KEYS": "k1:" + "QUFB" * 10 + "QUE=", "ENVIRONMENT": "test"}
        )
    )
    assert any("'k1' does not look random" in problem for problem in weak)
    reused = deploy_problems(
        load_settings({**GOOD, "ENCRYPTION_KEYS": f"k1:{GOOD['BLIND_INDEX_KEY']}"})
    )
    assert any("used twice" in problem for problem in reused)
    assert GOOD["BLIND_INDEX_KEY"] not in " ".join(weak + reused)


def test_production_without_encryption_keys_does_not_start():
    env = {k: v for k, v in GOOD.items() if k != "ENCRYPTION_KEYS"}
    result = subprocess.run(
        [sys.executable, "-m", "feedback", "check", "--deploy"],
        env={**os.environ, **env, "ENCRYPTION_KEYS": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "ENCRYPTION_KEYS is required when ENVIRONMENT=production" in result.stderr
