"""Piccolo's configuration module (PICCOLO_CONF points here; see feedback.db.bind_engine).

The running service binds the engine it built from its settings. Piccolo's own CLI (used by
developers to write migrations: `PICCOLO_CONF=feedback.piccolo_conf piccolo migrations new
feedback --auto`) gets one built from the environment, lazily, on first use.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

# Order matters: the floors below come first, like the migration dependencies.
APP_REGISTRY = AppRegistry(
    apps=["integrations.piccolo_app", "surveys.piccolo_app", "feedback.piccolo_app"]
)

_engine: Engine | None = None


def bind(engine: Engine) -> None:
    global _engine
    _engine = engine


def __getattr__(name: str) -> Any:
    if name != "DB":
        raise AttributeError(name)
    global _engine
    if _engine is None:
        from feedback.db import make_engine
        from feedback.settings import load_settings

        _engine = make_engine(load_settings())
    return _engine
