"""Help: what each area is for and every key, written from the screens' own bindings."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Markdown, Static

INTRO = """
**emsp** finds charging stations across the roaming network, shows their live status and
prices, and holds your charging cards. Keys work everywhere unless you are typing in a box
(then **Esc** leaves the box). The mouse works too: click tabs, rows and buttons.
**Ctrl+P** opens the command palette: every action, and stations by name.
"""


def _areas() -> list[tuple[str, type[Screen[object]], list[type[object]]]]:
    from ..widgets.station_info import EvseTable
    from ..widgets.station_table import StationTable
    from .favourites import FavouritesScreen
    from .filters import FiltersScreen
    from .partners import PartnersScreen
    from .station import StationScreen
    from .stations import StationsScreen
    from .wallet import WalletScreen

    return [
        ("1 · Stations", StationsScreen, [StationTable]),
        ("Filters (f in Stations)", FiltersScreen, []),
        ("A station (Enter on a row)", StationScreen, [EvseTable]),
        ("2 · Favourites", FavouritesScreen, []),
        ("3 · Wallet", WalletScreen, []),
        ("4 · Partners and settings", PartnersScreen, []),
    ]


_NAMES = {
    "slash": "/", "asterisk": "*", "escape": "Esc", "enter": "Enter", "question_mark": "?",
    "down": "↓", "up": "↑", "delete": "Del", "space": "Space",
}  # fmt: skip


def _key(binding: Binding) -> str:
    keys = binding.key.split(",")
    if binding.key_display and len(keys) == 1:
        return binding.key_display
    shown = []
    for key in keys:
        if key in _NAMES:
            shown.append(_NAMES[key])
        elif key.startswith("ctrl+"):
            shown.append("Ctrl+" + key[5:].upper())
        else:
            shown.append(key.upper() if len(key) > 1 else key)
    return " / ".join(shown)


def _keys_table(bindings: list[object]) -> str:
    rows = [
        f"| `{_key(b)}` | {b.description}{' — ' + b.tooltip if b.tooltip else ''} |"
        for b in bindings
        if isinstance(b, Binding) and b.description
    ]
    return "| Key | What it does |\n|---|---|\n" + "\n".join(rows) if rows else ""


def help_markdown(app_bindings: list[object]) -> str:
    shown = [
        b for b in app_bindings if not (isinstance(b, Binding) and (b.id or "").startswith("area."))
    ]
    everywhere = _keys_table(shown) + (
        "\n| `1` `2` `3` `4` / `F2`-`F5` | Stations, Favourites, Wallet, Partners (top bar) |"
        "\n| `Ctrl+P` | Command palette: every action, and stations by name |"
        "\n| `Ctrl+Q` | Quit |"
    )
    parts = [INTRO, "## Everywhere", everywhere]
    for title, screen, widgets in _areas():
        parts += [f"## {title}", (screen.__dict__.get("HELP") or "").strip()]
        parts.append(_keys_table(list(screen.BINDINGS)))
        for widget in widgets:
            parts.append((getattr(widget, "HELP", "") or "").replace("## ", "### ").strip())
    return "\n\n".join(p for p in parts if p)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="help.close", tooltip="Close the help"),
    ]

    def compose(self) -> ComposeResult:
        from ..app import EmspApp

        with Vertical(id="help-dialog"):
            yield Static("Help  ·  Esc closes", id="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Markdown(help_markdown(list(EmspApp.BINDINGS)))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()
