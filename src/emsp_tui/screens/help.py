"""Help: what each area is for and every key, written from the screens' own bindings."""

from __future__ import annotations

from typing import Any, ClassVar

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


Area = tuple[str, type[Screen[Any]], list[type[object]]]


def _areas() -> list[Area]:
    from ..widgets.session_panel import HistoryTable, SessionPanel
    from ..widgets.station_info import EvseTable
    from ..widgets.station_table import StationTable
    from .billing_details import BillingDetailsScreen
    from .favourites import FavouritesScreen
    from .filters import FiltersScreen
    from .invoice import InvoiceScreen
    from .invoices import DocumentsTable, InvoicesScreen
    from .partners import PartnersScreen
    from .session import SessionScreen
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
        ("5 · Charging", SessionScreen, [SessionPanel, HistoryTable]),
        ("6 · Invoices", InvoicesScreen, [DocumentsTable]),
        ("An invoice (Enter on a row)", InvoiceScreen, []),
        ("Billing details (d in Invoices)", BillingDetailsScreen, []),
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


def _section(title: str, screen: type[Screen[Any]], widgets: list[type[object]]) -> list[str]:
    parts = [f"## {title}", (screen.__dict__.get("HELP") or "").strip()]
    parts.append(_keys_table(list(screen.BINDINGS)))
    for widget in widgets:
        parts.append((getattr(widget, "HELP", "") or "").replace("## ", "### ").strip())
    return parts


def help_markdown(app_bindings: list[object], here: type[Screen[Any]] | None = None) -> str:
    """Every key. ``here``, the screen help was opened on, comes first: its keys at the top."""
    shown = [
        b for b in app_bindings if not (isinstance(b, Binding) and (b.id or "").startswith("area."))
    ]
    everywhere = _keys_table(shown) + (
        "\n| `1`-`6` | Stations, Favourites, Wallet, Partners, Charging, Invoices (top bar;"
        " `F2`-`F5` for the first four) |"
        "\n| `Ctrl+P` | Command palette: every action, and stations by name |"
        "\n| `Ctrl+Q` | Quit |"
    )
    areas = _areas()
    current = next((a for a in areas if a[1] is here), None)
    if current is None and here is not None and (here.__dict__.get("HELP") or here.BINDINGS):
        current = (here.__name__.removesuffix("Screen"), here, [])
    parts = []
    if current is not None:
        title, screen, widgets = current
        parts += _section(f"Here: {title}", screen, widgets)
    parts += [INTRO, "## Everywhere", everywhere]
    for area in areas:
        if area is not current:
            parts += _section(*area)
    return "\n\n".join(p for p in parts if p)


class HelpScreen(ModalScreen[None]):
    """The help for the screen below it first, then everything else."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, app_bindings: list[object], here: type[Screen[Any]] | None = None) -> None:
        super().__init__()
        self.app_bindings = app_bindings
        self.here = here

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static("Help  ·  Esc closes", id="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Markdown(help_markdown(self.app_bindings, self.here))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()
