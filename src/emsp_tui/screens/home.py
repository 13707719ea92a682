"""Where distances are measured from: a city or coordinates (a terminal has no GPS)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Static

from ..config import HomePosition
from ..services.places import city_names, parse_position
from ..widgets.safe_text import plain


class HomeScreen(ModalScreen[HomePosition | None | bool]):
    """Dismisses with the new position, None to forget it, or False when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="home.cancel", tooltip="Keep the current position"
        ),
    ]

    def __init__(self, current: HomePosition | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Home position", id="dialog-title")
            yield Static(
                "Distances and “nearest first” are measured from here. Type a city "
                "(Amsterdam, Köln, Paris…) or coordinates like 52.37,4.90.",
                id="dialog-text",
            )
            yield Input(
                self.current.label if self.current else "",
                placeholder="City or latitude,longitude",
                suggester=SuggestFromList(city_names(), case_sensitive=False),
                id="home-input",
            )
            yield Static(id="home-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Forget", id="forget", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Set", id="set", variant="primary", compact=True)
        yield Footer()

    @on(Input.Submitted, "#home-input")
    @on(Button.Pressed, "#set")
    def _set(self) -> None:
        text = self.query_one("#home-input", Input).value
        try:
            home = parse_position(text)
        except ValueError as err:
            self.query_one("#home-error", Static).update(plain(str(err)))  # echoes the input
            return
        self.dismiss(home)

    @on(Input.Changed, "#home-input")
    def _typing(self) -> None:
        self.query_one("#home-error", Static).update("")

    @on(Button.Pressed, "#forget")
    def _forget(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
