"""One station: its chargers live, the price in plain words with an estimate, and the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Input, Static, TabbedContent, TabPane

from ..messages import FavouriteToggled
from ..services.station_info import estimate, opening_state, parse_plan, tariff_offers
from ..services.stations import StationDetail, StationKey, format_distance, format_kw
from ..widgets.station_info import EvseTable, about_text, estimates_text, tariffs_text
from ..widgets.status import availability_words, tone
from .base import AreaScreen, one_line

START_SOON = "Coming with the charging feature"
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
        Binding("s", "start_charging", "Start charging", id="station.start", tooltip=START_SOON),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        detail: StationDetail | None
        error: str | None = None

    def __init__(self, key: StationKey) -> None:
        super().__init__()
        self.key = key
        self.detail: StationDetail | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="station-head"):
            with Horizontal(id="title-row"):
                yield Static(id="title")
                yield Button("☆ Favourite", id="star", compact=True)
                yield Button(
                    "Start charging", id="start", compact=True, disabled=True, tooltip=START_SOON
                )
            yield Static(id="where")
            yield Static(id="glance")
        with TabbedContent(id="tabs", initial="chargers"):
            with TabPane("Chargers", id="chargers"):
                yield EvseTable(id="evses")
            with TabPane("Price", id="price"):
                # The estimate is docked: on top when narrow, on the right when wide.
                with Vertical(id="plan-box"):
                    with Horizontal(id="plan-row"):
                        yield Static("Estimate for", id="plan-label")
                        yield Input(DEFAULT_PLAN, id="plan", select_on_focus=False, compact=True)
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
        self.query_one("#title", Static).update(Text(" ".join(self.key[1:])))
        self.query_one(EvseTable).loading = True
        self.load()

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
        table.show(detail, now)
        self.query_one("#tariffs", Static).update(tariffs_text(tariff_offers(detail)))
        self.query_one("#about-text", Static).update(about_text(self.app, detail, now))
        self._estimate()
        self.refresh_bindings()

    def _show_head(self, detail: StationDetail) -> None:
        loc = detail.location
        star = "★ " if detail.favourite else ""
        self.query_one("#title", Static).update(
            Text(f"{star}{loc.name or loc.address}", style="bold")
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
        self.query_one("#where", Static).update(Text(" · ".join(parts)))
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
            out.update(Text(str(err), style="italic"))
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

    def action_start_charging(self) -> None:
        self.notify(START_SOON)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start_charging":
            return None  # shown, greyed out: the charging feature brings it
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
