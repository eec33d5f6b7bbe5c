"""What the server does before it takes its first request."""

from __future__ import annotations

from feedback.analysis import lexicon, model
from feedback.app import create_app
from feedback.settings import Settings


async def test_start_up_loads_the_analyzer_before_the_first_request(settings: Settings) -> None:
    # Loaded lazily, the lexicons and weights cost the first submission after a restart
    # about 0.6 s on the event loop, which every request queued behind it waits for too.
    for loader in (lexicon.polarity_table, lexicon.vocabulary, model.weights):
        loader.cache_clear()
    app = create_app(settings)
    for hook in app.on_startup:
        await hook(app)
    try:
        for loader in (lexicon.polarity_table, lexicon.vocabulary, model.weights):
            assert loader.cache_info().currsize == 1, loader.__name__
    finally:
        for hook in app.on_shutdown:
            await hook(app)
