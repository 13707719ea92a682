"""Wallet: the driver's virtual RFID cards, each with its QR code; block, unblock, get another."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..services.cards import Card
from ..widgets.area_bar import AreaBar
from ..widgets.card_view import CardView
from ..widgets.qr_code import QrCode
from ..widgets.status import tone
from .base import AreaScreen, one_line
from .confirm import ConfirmScreen


class WalletScreen(AreaScreen):
    HELP = """
Your charging cards. Each is a virtual RFID card with an eMI3 contract id
(`NL-EMS-C12345678-X`, the last character is a check character). Show the QR code to a
support agent or a charger app. Lost a card, or do not want it used? Block it (b): chargers
refuse it until you unblock it. Need another, e.g. for a second car? Press n.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "block", "Block/unblock", id="wallet.block",
                tooltip="Block the card (chargers refuse it), or unblock it"),
        Binding("n", "new_card", "New card", id="wallet.new",
                tooltip="Ask for another virtual card"),
        Binding("r", "refresh", "Refresh", show=False, id="wallet.refresh",
                tooltip="Read the cards again"),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        cards: list[Card]
        select: str | None = None  # uid to show
        notice: str | None = None
        error: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[Card] = []

    def compose(self) -> ComposeResult:
        yield AreaBar("wallet")
        with Vertical(id="wallet-body"):
            yield Static("Your cards", id="cards-title")
            yield OptionList(id="cards")
            with Horizontal(id="card-pane"):
                yield CardView(id="card")
                yield QrCode(id="qr")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cards", OptionList).loading = True
        self.load()

    @work(exclusive=True, group="wallet", exit_on_error=False)
    async def load(self, select: str | None = None, notice: str | None = None) -> None:
        try:
            await self.emsp.ready()
            cards = await self.emsp.wallet.cards()
            if not cards:
                # A driver account comes with one virtual card.
                first = await self.emsp.wallet.issue()
                cards, select = [first], first.token.uid
                notice = "Your virtual charging card is ready."
        except Exception as err:
            self.post_message(self.Loaded([], error=one_line(err)))
        else:
            self.post_message(self.Loaded(cards, select, notice))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        options = self.query_one("#cards", OptionList)
        options.loading = False
        if event.error:
            self.failed("Wallet", event.error)
            return
        if event.notice:
            self.notify(event.notice)
        keep = event.select or self._current_uid()
        self.cards = event.cards
        options.clear_options()
        options.add_options([Option(self._card_line(c), id=c.token.uid) for c in self.cards])
        uids = [c.token.uid for c in self.cards]
        if uids:
            options.highlighted = uids.index(keep) if keep in uids else 0
        self._show(self._current())
        self.refresh_bindings()

    def _card_line(self, card: Card) -> Text:
        if card.blocked:
            state = Text("✕ blocked", style=tone(self.app, "error"))
        else:
            state = Text("● active", style=tone(self.app, "success"))
        label = f"  {card.label}" if card.label else ""
        state.pad_right(10 - len(state))
        return Text.assemble(state, card.token.contract_id, (label, "dim"))

    def _current_uid(self) -> str | None:
        options = self.query_one("#cards", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return options.get_option_at_index(options.highlighted).id

    def _current(self) -> Card | None:
        uid = self._current_uid()
        return next((c for c in self.cards if c.token.uid == uid), None)

    def _show(self, card: Card | None) -> None:
        self.query_one(CardView).show(card)
        qr = self.query_one(QrCode)
        qr.data = card.token.contract_id if card else ""
        qr.display = card is not None
        qr.set_class(card is not None and card.blocked, "-blocked")

    @on(OptionList.OptionHighlighted, "#cards")
    def _highlighted(self) -> None:
        self._show(self._current())
        self.refresh_bindings()

    # -- actions ------------------------------------------------------------------------------
    def action_block(self) -> None:
        card = self._current()
        if card is None:
            return
        if card.blocked:
            self.change(card.token.uid, blocked=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.change(card.token.uid, blocked=True)

        self.app.push_screen(
            ConfirmScreen(
                "Block this card?",
                f"{card.token.contract_id}: chargers will refuse it until you unblock it "
                "here. Block it when it is lost or you do not want it used.",
                yes="Block",
            ),
            answered,
        )

    @work(exclusive=True, group="wallet", exit_on_error=False)
    async def change(self, uid: str, *, blocked: bool) -> None:
        try:
            card = await self.emsp.wallet.set_blocked(uid, blocked)
            cards = await self.emsp.wallet.cards()
        except Exception as err:
            self.post_message(self.Loaded(self.cards, error=one_line(err)))
        else:
            what = "blocked: chargers will refuse it" if blocked else "active again"
            self.post_message(self.Loaded(cards, uid, f"{card.token.contract_id} is {what}."))

    def action_new_card(self) -> None:
        self.new_card()

    @work(exclusive=True, group="wallet", exit_on_error=False)
    async def new_card(self) -> None:
        try:
            await self.emsp.ready()
            card = await self.emsp.wallet.issue()
            cards = await self.emsp.wallet.cards()
        except Exception as err:
            self.post_message(self.Loaded(self.cards, error=one_line(err)))
        else:
            notice = f"New card {card.token.contract_id} is ready to use."
            self.post_message(self.Loaded(cards, card.token.uid, notice))

    def action_refresh(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "block":
            return bool(self.cards) or None
        return True

    def commands(self) -> Iterable[SystemCommand]:
        card = self._current()
        if card is not None:
            verb = "Unblock" if card.blocked else "Block"
            yield SystemCommand(f"{verb} this card", card.token.contract_id, self.action_block)
