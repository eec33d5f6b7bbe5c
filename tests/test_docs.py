"""The README stays true: its configuration table and command list match the code."""

from __future__ import annotations

import re
from pathlib import Path

from click import Group

from feedback.cli import main
from feedback.settings import ENVIRONMENT_VARIABLES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented_and_every_documented_setting_exists():
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.MULTILINE))
    assert documented == set(ENVIRONMENT_VARIABLES)


def test_every_command_is_documented():
    assert isinstance(main, Group)
    documented = set(re.findall(r"^\| `feedback ([a-z-]+)", README, flags=re.MULTILINE))
    assert documented == set(main.commands)


def test_the_two_quick_start_commands_are_the_ones_ci_runs():
    assert "make run" in README and "make test" in README
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "make test" in ci
