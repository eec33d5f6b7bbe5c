"""A small run of bench/reliability_kill.py: the SQLite server is SIGKILLed while patients
submit surveys; every acknowledged submission survives, none is stored twice, and the file
passes PRAGMA integrity_check. (The full run, 1,000 submissions, is `make bench`.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "reliability_kill.py"


def _reliability_kill():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("reliability_kill", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("reliability_kill", module)
    spec.loader.exec_module(module)
    return module


def test_acknowledged_submissions_survive_sigkill(tmp_path):
    # Not async: the script runs its own event loops, and the server in its own processes.
    result = _reliability_kill().run(
        tmp_path / "kill.sqlite3", submissions=30, kills=2, concurrency=4, seed=7
    )
    assert result.kills >= 1, "the server was never killed"
    assert result.integrity == "ok"
    assert result.missing == [], "an acknowledged submission was lost"
    assert result.duplicates == 0
    assert result.acknowledged == result.stored_responses == 30
