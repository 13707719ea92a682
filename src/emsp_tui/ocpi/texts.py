"""Picking one text out of an OCPI DisplayText list."""

from __future__ import annotations

from .models import DisplayText


def display_text(texts: list[DisplayText] | None, language: str = "en") -> str | None:
    """One text out of a DisplayText list: ours if there, else the first."""
    if not texts:
        return None
    chosen = next((t for t in texts if t.language.lower() == language), texts[0])
    return str(chosen.text)
