"""ASGI entry point for process managers (`uvicorn feedback.asgi:app`, `serve --workers`)."""

from feedback.app import create_app
from feedback.settings import load_settings

app = create_app(load_settings())
