"""Status in words and symbols, coloured from the theme: never colour alone (a terminal may have
no colour, the driver may not see it), and UNKNOWN is never shown as available.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import App

# OCPI EVSE status -> (symbol, words, theme colour; "" = dimmed)
EVSE_STATUS: dict[str, tuple[str, str, str]] = {
    "AVAILABLE": ("●", "Available", "success"),
    "CHARGING": ("◐", "In use", "warning"),
    "RESERVED": ("◷", "Reserved", "warning"),
    "BLOCKED": ("■", "Blocked", "warning"),
    "OUTOFORDER": ("✕", "Out of order", "error"),
    "INOPERATIVE": ("✕", "Inoperative", "error"),
    "PLANNED": ("○", "Planned", ""),
    "REMOVED": ("–", "Removed", ""),  # noqa: RUF001
    "UNKNOWN": ("?", "Unknown", ""),
}


def tone(app: App[object], name: str) -> Style:
    """A Rich style with the current theme's colour ``name`` ("" = dim text)."""
    if not name:
        return Style(dim=True)
    colour = app.theme_variables.get(name) or app.get_css_variables().get(name)
    return Style(color=colour, bold=name == "success") if colour else Style(bold=True)


def evse_status(app: App[object], status: str) -> Text:
    symbol, words, colour = EVSE_STATUS.get(str(status), ("?", str(status).title(), ""))
    return Text(f"{symbol} {words}", style=tone(app, colour))


def availability(app: App[object], available: int, total: int, unknown: int = 0) -> Text:
    """``● 3/4``; ``? 0/4`` when nothing is known to be free but some status is unknown."""
    if available:
        return Text(f"● {available}/{total}", style=tone(app, "success"))
    if unknown:
        return Text(f"? 0/{total}", style=tone(app, ""))
    return Text(f"✕ 0/{total}", style=tone(app, "error"))


def availability_words(available: int, total: int, unknown: int = 0) -> str:
    text = f"{available} of {total} available"
    if unknown:
        text += f", {unknown} unknown"
    return text
