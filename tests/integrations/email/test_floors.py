"""integrations is the ground floor: it imports none of the floors above it."""

from __future__ import annotations

import ast
from pathlib import Path

import integrations

UPPER_FLOORS = ("feedback", "surveys")


def test_integrations_imports_nothing_from_the_floors_above():
    root = Path(integrations.__file__).parent
    offending = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offending += [
                f"{path.relative_to(root)}: {name}"
                for name in names
                if name.split(".")[0] in UPPER_FLOORS
            ]
    assert offending == []
