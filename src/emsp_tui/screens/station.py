"""One station: its chargers live, the price in plain words with an estimate, and the rest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Input, Static, TabbedContent, TabPane

from ..billing.plans import ChargerClass, Plan
from ..messages import FavouriteToggled
from ..ocpi.models import Tariff
from ..services.card_tap import TapResult
from ..services.cards import Card as StoredToken
from ..services.charging import ChargingService
from ..services.charging_attempt import AttemptView
from ..services.charging_events import AttemptChanged, ChargingError, ChargingEvent
from ..services.charging_views import CommandView
from ..services.driver_price import changes_price, plan_words
from ..services.station_info import (
    StartPrice,
    estimate,
    opening_state,
    parse_plan,
    tariff_offers,
)
from ..services.stations import StationDetail, StationKey, format_distance, format_kw
from ..tariff.describe import describe_tariff
from ..widgets.safe_text import notify_plain, plain, plain_block, terminal_safe
from ..widgets.session_panel import attempt_text
from ..widgets.station_info import EvseTable, about_text, estimates_text, tariffs_text
from ..widgets.status import availability_words, tone
from .base import AreaScreen, one_line
from .confirm import ConfirmScreen

START_TIP = "Start the highlighted charger with your card (you confirm the price first)"
DEFAULT_PLAN = "30 kWh in 40 min"
WIDE = 110  # from this width the estimate sits beside the tariffs


class StationScreen(AreaScreen):
    HELP = """
A station: every charger with its live status, the price in plain words (from the same
engine that checks your bills), an estimate for the charge you describe, opening hours,
facilities and where the energy comes from.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="station.back", tooltip="Back to the list"),
        Binding("asterisk", "star", "Star", key_display="*", id="station.star",
                tooltip="Add the station to your favourites, or remove it"),
        Binding("c", "tab('chargers')", "Chargers", show=False, id="station.chargers",
                tooltip="Every charger with its live status"),
        Binding("p", "tab('price')", "Price", id="station.price",
                tooltip="The tariffs in plain words, and an estimate"),
        Binding("i", "tab('about')", "About", show=False, id="station.about",
                tooltip="Address, opening hours, facilities, energy"),
        Binding("e", "estimate", "Estimate", show=False, id="station.estimate",
                tooltip="Describe a charge, e.g. 30 kWh in 40 min"),
        Binding("r", "refresh", "Refresh", show=False, id="station.refresh",
                tooltip="Load the station again (live status)"),
        Binding("s", "start_charging", "Start charging", id="station.start", tooltip=START_TIP),
        Binding("t", "tap_card", "Tap card", id="station.tap",
                tooltip="Hold your card to the highlighted charger's reader (demo network)"),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        detail: StationDetail | None
        error: str | None = None

    @dataclass
    class AttemptUpdated(Message):
        view: AttemptView

    def __init__(self, key: StationKey) -> None:
        super().__init__()
        self.key = key
        self.detail: StationDetail | None = None
        self.attempt: AttemptView | None = None  # the charging service's, as last published

    def compose(self) -> ComposeResult:
        with Vertical(id="station-head"):
            with Horizontal(id="title-row"):
                yield Static(id="title")
                yield Button("☆ Favourite", id="star", compact=True)
                yield Button(
                    "Start charging", id="start", compact=True, disabled=True, tooltip=START_TIP
                )
            yield Static(id="where")
            yield Static(id="glance")
            yield Static(id="start-state")
        with TabbedContent(id="tabs", initial="chargers"):
            with TabPane("Chargers", id="chargers"):
                yield EvseTable(id="evses")
            with TabPane("Price", id="price"):
                # The estimate is docked: on top when narrow, on the right when wide.
                with Vertical(id="plan-box"):
                    with Horizontal(id="plan-row"):
                        yield Static("Estimate for", id="plan-label")
                        yield Input(DEFAULT_PLAN, id="plan", select_on_focus=True, compact=True)
                    yield Static(id="estimate")
                with VerticalScroll(id="price-scroll"):
                    yield Static(id="tariffs")
            with TabPane("About", id="about"), VerticalScroll(id="about-scroll"):
                yield Static(id="about-text")
        yield Footer()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")

    def on_mount(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")
        self.query_one("#title", Static).update(plain(" ".join(self.key[1:])))
        self.query_one(EvseTable).loading = True
        self.load()
        self.follow_attempt()
        self.set_interval(1, self._tick)

    @work(exclusive=True, group="station", exit_on_error=False)
    async def load(self) -> None:
        try:
            await self.emsp.ready()
            detail = await self.emsp.stations.detail(self.key, self.emsp.near)
        except Exception as err:
            self.post_message(self.Loaded(None, one_line(err)))
        else:
            self.post_message(self.Loaded(detail))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        table = self.query_one(EvseTable)
        table.loading = False
        if event.error:
            self.failed("Could not load the station", event.error)
            return
        self.detail = event.detail
        if event.detail is None:
            self.query_one("#where", Static).update(
                "This station is no longer listed by its operator."
            )
            return
        detail, now = event.detail, self.emsp.now()
        self._show_head(detail)
        picked = table.current_key
        table.show(detail, now)
        self._put_cursor(table, detail, picked)
        self.query_one("#tariffs", Static).update(tariffs_text(tariff_offers(detail)))
        self.query_one("#about-text", Static).update(about_text(self.app, detail, now))
        self._estimate()
        self.query_one("#start", Button).disabled = False
        self.refresh_bindings()

    def _show_head(self, detail: StationDetail) -> None:
        loc = detail.location
        star = "★ " if detail.favourite else ""
        self.query_one("#title", Static).update(
            plain(f"{star}{loc.name or loc.address}", style="bold")
        )
        button = self.query_one("#star", Button)
        button.label = "★ Favourite" if detail.favourite else "☆ Favourite"
        button.set_class(detail.favourite, "-on")
        place = ", ".join(p for p in (loc.address, loc.postal_code, loc.city) if p)
        parts = [place]
        if detail.distance_km is not None:
            parts.append(format_distance(detail.distance_km))
        if loc.operator:
            parts.append(loc.operator.name)
        self.query_one("#where", Static).update(plain(" · ".join(parts)))
        evses = [e for e in loc.evses or [] if e.status != "REMOVED"]
        available = sum(e.status == "AVAILABLE" for e in evses)
        unknown = sum(e.status == "UNKNOWN" for e in evses)
        is_open, hours = opening_state(loc, self.emsp.now())
        fastest = max((c.max_power_kw for e in evses for c in e.connectors), default=0.0)
        symbol = "●" if available else "?" if unknown else "✕"
        colour = "success" if available else "" if unknown else "error"
        glance = Text.assemble(
            (
                f"{symbol} {availability_words(available, len(evses), unknown)}",
                tone(self.app, colour),
            ),
            " · ",
            (hours, "" if is_open else "bold"),
            f" · up to {format_kw(fastest)}" if fastest else "",
        )
        self.query_one("#glance", Static).update(glance)

    # -- estimate ------------------------------------------------------------------------------
    @on(Input.Changed, "#plan")
    def _estimate(self) -> None:
        out = self.query_one("#estimate", Static)
        if self.detail is None:
            return
        text = self.query_one("#plan", Input).value
        try:
            plan = parse_plan(text)
            estimates = estimate(self.detail, plan, self.emsp.now())
        except ValueError as err:
            out.update(plain(str(err), style="italic"))
            return
        out.update(estimates_text(estimates))

    # -- actions ------------------------------------------------------------------------------
    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#price-scroll").focus()
        else:
            self.dismiss()

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def action_estimate(self) -> None:
        self.action_tab("price")
        self.query_one("#plan", Input).focus()

    def action_refresh(self) -> None:
        self.load()

    def action_star(self) -> None:
        if self.detail is not None:
            self.toggle_star(self.key)

    @on(Button.Pressed, "#star")
    def _star_pressed(self) -> None:
        self.action_star()

    @on(FavouriteToggled)
    def _starred(self, event: FavouriteToggled) -> None:
        if self.detail is not None and event.key == self.key:
            self.detail = StationDetail(
                self.detail.key, self.detail.location, self.detail.tariffs, event.favourite,
                self.detail.distance_km,
            )  # fmt: skip
            self._show_head(self.detail)

    # -- charging ---------------------------------------------------------------------------
    def _put_cursor(self, table: EvseTable, detail: StationDetail, picked: str | None) -> None:
        """Keep the driver's row on a reload; else start on a free charger. The table takes
        the focus, so the arrow keys move between chargers at once."""
        keys = list(table.row_keys)
        if not keys:
            return
        if picked not in keys:
            free = [e.uid for e in detail.location.evses or [] if e.status == "AVAILABLE"]
            picked = next((k for k in keys if k in free), keys[0])
        table.move_cursor(row=keys.index(picked))
        if not isinstance(self.focused, Input):
            table.focus()

    def _picked_evse(self) -> str | None:
        """The charger under the cursor in the Chargers tab."""
        table = self.query_one(EvseTable)
        return table.current_key or (table.row_keys[0] if table.row_keys else None)

    def action_start_charging(self) -> None:
        if self.detail is None:
            return
        evse = self._picked_evse()
        if evse is None:
            self.notify("This station has no charger to start.", severity="warning")
            return
        self.start_flow(self.detail, evse)

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start_charging()

    @work(group="start", exit_on_error=False)
    async def start_flow(self, detail: StationDetail, evse_uid: str) -> None:
        """Ask, then start. The charging service decides whether anything is sent: while its
        attempt is undecided it sends nothing and hands that one back."""
        try:
            charging = (await self.emsp.ready()).charging
            attempt = charging.attempt
            if attempt is not None and attempt.command is not None and attempt.pending:
                self.notify("Already waiting for the charger: nothing sent again.")
                self.post_message(self.StartSent(attempt.command))
                return
            charging.check_remote(detail.location, evse_uid)
            card = await self._valid_card()
            if card is None:
                return
            prices, plan, charge = await self._start_prices(charging, detail, evse_uid, card)
            question = start_question(detail, evse_uid, card_words(card), prices, plan, charge)
            if not await self.app.push_screen_wait(
                ConfirmScreen("Start charging", question, "Start")
            ):
                return
            command = await charging.start(detail.location, evse_uid, None, card)
        except ChargingError as err:
            self.post_message(self.StartFailed(err.advice.sentence, err.advice.next_step))
        except Exception as err:
            self.post_message(self.StartFailed(one_line(err)))
        else:
            self.post_message(self.StartSent(command))

    async def _start_prices(
        self, charging: ChargingService, detail: StationDetail, evse_uid: str, card: StoredToken
    ) -> tuple[list[StartPrice], Plan, str]:
        """The reminder: the charge described on the Price tab (else the default one), priced
        with the settings and the card's account plan the invoice will use."""
        charge = self.query_one("#plan", Input).value.strip() or DEFAULT_PLAN
        try:
            planned = parse_plan(charge)
        except ValueError:
            charge, planned = DEFAULT_PLAN, parse_plan(DEFAULT_PLAN)
        prices, plan = await charging.start_prices(detail, evse_uid, planned, card.account_id)
        return prices, plan, charge

    @work(exclusive=True, group="attempt", exit_on_error=False)
    async def follow_attempt(self) -> None:
        """Listen to the charging service (a callback: no worker stays behind)."""
        charging = (await self.emsp.ready()).charging
        charging.add_listener(self._charging_event)
        if charging.attempt is not None:
            self.post_message(self.AttemptUpdated(charging.attempt))

    def _charging_event(self, event: ChargingEvent) -> None:
        if isinstance(event, AttemptChanged):
            self.post_message(self.AttemptUpdated(event.view))

    async def on_unmount(self) -> None:
        self.emsp.node.charging.remove_listener(self._charging_event)

    @on(AttemptUpdated)
    def _attempt_updated(self, event: AttemptUpdated) -> None:
        self.attempt = event.view
        self._show_attempt()

    def _show_attempt(self) -> None:
        attempt = self.attempt
        here = attempt is not None and attempt.location_id == self.key.location_id
        text = attempt_text(attempt, self.emsp.now()) if attempt and here else ""
        self.query_one("#start-state", Static).update(plain_block(text))

    def _tick(self) -> None:
        if self.attempt is not None and self.attempt.pending:
            self._show_attempt()  # the countdown

    async def _valid_card(self) -> StoredToken | None:
        cards = [c for c in await self.emsp.wallet.cards() if c.token.valid]
        if not cards:
            self.post_message(self.StartFailed(
                "You have no valid charging card.",
                "Get a card in the wallet (3), or unblock one.",
            ))  # fmt: skip
            return None
        return cards[0]

    @dataclass
    class StartSent(Message):
        command: CommandView

    @dataclass
    class StartFailed(Message):
        sentence: str
        next_step: str = ""

    @dataclass
    class Tapped(Message):
        result: TapResult

    @on(StartFailed)
    def _start_failed(self, event: StartFailed) -> None:
        self.query_one("#start-state", Static).update(plain(event.sentence, style="bold"))
        notify_plain(
            self, event.sentence, event.next_step, title="Not started", severity="error", timeout=10
        )

    @on(StartSent)
    def _start_sent(self, event: StartSent) -> None:
        command = event.command
        if command.duplicate:
            self.notify("Already waiting for the charger: nothing sent again.")
        failed = command.advice is not None and str(command.advice.severity) == "error"
        if failed and command.advice is not None:
            notify_plain(
                self, command.advice.sentence, command.advice.next_step,
                title="Not started", severity="error", timeout=10,
            )  # fmt: skip
            return
        from .session import SessionScreen

        self.app.push_screen(SessionScreen())

    def action_tap_card(self) -> None:
        evse = self._picked_evse() if self.detail is not None else None
        if self.detail is None or evse is None:
            return
        self.tap_flow(self.detail, evse)

    @work(group="tap", exit_on_error=False)
    async def tap_flow(self, detail: StationDetail, evse_uid: str) -> None:
        try:
            card = await self._valid_card()
            if card is None:
                return
            node = await self.emsp.ready()
            result = await node.charging.tap(detail.location, evse_uid, card)
        except ChargingError as err:
            self.post_message(self.StartFailed(err.advice.sentence, err.advice.next_step))
        except Exception as err:
            self.post_message(self.StartFailed(one_line(err)))
        else:
            self.post_message(self.Tapped(result))

    @on(Tapped)
    def _tapped(self, event: Tapped) -> None:
        advice = event.result.advice
        started = event.result.result == "started"
        if not started:  # a start is the attempt's, shown from there
            self.query_one("#start-state", Static).update(plain(advice.sentence, style="bold"))
        notify_plain(
            self,
            advice.sentence,
            advice.next_step,
            title="Card tapped" if started else "Not started",
            severity="information" if started else "error",
        )
        if started:
            from .session import SessionScreen

            self.app.push_screen(SessionScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("start_charging", "tap_card"):
            return self.detail is not None or None
        if action == "star":
            return self.detail is not None or None
        return True

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Star this station", "Add to favourites, or remove (*)", self.action_star
        )
        yield SystemCommand(
            "Estimate a charge", "Price of a charge you describe (e)", self.action_estimate
        )


def card_words(card: StoredToken) -> str:
    """The card as the wallet shows it: its label and the number printed on it."""
    number = card.token.visual_number or card.token.contract_id
    return f"{card.label} ({number})" if card.label else number


def start_question(
    detail: StationDetail,
    evse_uid: str,
    card: str,
    prices: Sequence[StartPrice] = (),
    plan: Plan | None = None,
    charge: str = DEFAULT_PLAN,
) -> str:
    """The confirmation: which charger, with which card, its price in plain words and what
    the driver pays for ``charge`` (``prices``: from ``station_info.start_prices``, their
    ``plan``), and only the fees the tariff really has."""
    evse = next((e for e in detail.location.evses or [] if e.uid == evse_uid), None)
    name = (evse.evse_id if evse else None) or evse_uid
    # one line per partner text: a line break in it must not start a line of ours
    lines = [f"Start charger {terminal_safe(name)}?", f"With your card {terminal_safe(card)}.", ""]
    tariffs = []
    for connector in evse.connectors if evse else []:
        for tariff_id in connector.tariff_ids or []:
            tariff = detail.tariffs.get(tariff_id.upper())
            if tariff is None or str(tariff.type) == "AD_HOC_PAYMENT":
                continue
            if tariff not in tariffs:
                tariffs.append(tariff)
    if not tariffs:
        lines.append("The operator publishes no price for this charger: check it on site.")
        return "\n".join(lines)
    charger = prices[0].charger if prices else ChargerClass.AC
    changed = plan is not None and changes_price(plan, charger)
    label = "Operator's price: " if changed else "Price: "
    for tariff in tariffs:
        lines.append(label + terminal_safe(describe_tariff(tariff).sentence))
    if plan is not None and changed:
        lines.append(plan_words(plan, charger, tariffs[0].currency))
    for price in prices:
        if price.driver is None:
            continue
        d = price.driver
        which = f" ({price.tariff.id})" if len(prices) > 1 else ""
        lines.append(
            f"For {charge}{which} you pay about {d.gross:.2f} {d.currency} ({d.vat_words})."
        )
    fees = fee_sentence(tariffs, plan, charger)
    if fees:
        lines += ["", fees]
    return "\n".join(lines)


def fee_sentence(tariffs: Sequence[Tariff], plan: Plan | None, charger: ChargerClass) -> str:
    """Only what is true: the start and idle-time fees the tariffs list, else that none is."""
    if plan is not None and plan.rates_for(charger) is not None:
        return "Your plan's own rates replace the operator's price and fees."
    kinds = {
        str(c.type)
        for t in tariffs
        for element in t.elements
        for c in element.price_components
        if c.price > 0
    }
    named = [w for k, w in (("FLAT", "start fee"), ("PARKING_TIME", "idle-time fee")) if k in kinds]
    if not named:
        return "The operator lists no start fee and no idle-time fee."
    one = len(named) == 1
    return f"The {' and the '.join(named)} listed above {'is' if one else 'are'} charged too."
