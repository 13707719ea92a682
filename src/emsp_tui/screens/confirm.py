"""A yes/no question, answered with y/n (or Enter/Esc, or a click)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from ..widgets.safe_text import plain, plain_block


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, text: str, yes: str = "Yes") -> None:
        super().__init__()
        self.title_text, self.text, self.yes = title, text, yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(plain(self.title_text), id="dialog-title")
            # the question names the charger, its operator's price text, the card
            yield Static(plain_block(self.text), id="dialog-text")
            with Horizontal(id="dialog-buttons"):
                yield Button("No", id="no", compact=True)
                yield Button(self.yes, id="yes", variant="error", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
