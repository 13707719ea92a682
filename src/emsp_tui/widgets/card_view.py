"""The driver's virtual charging card: what is printed on it, and its state in words."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..services.cards import Card
from .status import tone


class CardView(Vertical):
    """One card. ``show(None)`` for the empty state."""

    DEFAULT_CSS = """
    CardView { height: auto; }
    CardView .card-line { height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="card-issuer", classes="card-line")
        yield Static(id="card-number", classes="card-line")
        yield Static(id="card-details")
        yield Static(id="card-state")

    def show(self, card: Card | None) -> None:
        self.set_class(card is not None and card.blocked, "-blocked")
        issuer = self.query_one("#card-issuer", Static)
        number = self.query_one("#card-number", Static)
        details = self.query_one("#card-details", Static)
        state = self.query_one("#card-state", Static)
        if card is None:
            self.border_title = "No card"
            issuer.update("")
            number.update("")
            details.update("You have no charging card yet. Press n to get one.")
            state.update("")
            return
        token = card.token
        self.border_title = card.label or "Virtual charging card"
        issuer.update(Text.assemble((token.issuer, "bold"), "  ·  ", str(token.type)))
        number.update(Text(token.visual_number or token.contract_id, style="bold"))
        rows = [
            ("Contract", token.contract_id),
            ("RFID UID", token.uid),
            ("Issued", f"{card.issued_at:%d %b %Y}"),
            ("Updated", f"{token.last_updated:%d %b %Y %H:%M} UTC"),
        ]
        details.update(Text("\n").join(Text.assemble((f"{k:<9}", "dim"), v) for k, v in rows))
        if card.blocked:
            state.update(
                Text.assemble(
                    ("✕ Blocked", tone(self.app, "error")),
                    ": chargers refuse this card. Press b to unblock it.",
                )
            )
        else:
            state.update(
                Text.assemble(
                    ("● Active", tone(self.app, "success")),
                    ": use it at any charger of our partners.",
                )
            )
