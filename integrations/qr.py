"""QR codes as SVG, drawn locally (segno), for kiosk links and authenticator set-up."""

from __future__ import annotations

import io

import segno


def qr_svg(data: str, title: str) -> str:
    qr = segno.make(data, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=6, border=2, title=title)
    return buffer.getvalue().decode()
