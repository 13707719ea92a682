"""The filters dialog: every filter on one key, so narrowing a search takes a keystroke or two."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..services.station_search import FACILITIES
from ..services.stations import Filters, format_kw
from ..widgets.safe_text import plain

if TYPE_CHECKING:
    from .face import EmspFace

POWER_STEPS: tuple[float | None, ...] = (None, 11, 22, 50, 150, 300)
PRICE_STEPS: tuple[float | None, ...] = (None, 0.40, 0.50, 0.60, 0.70, 0.80)
CURRENT_STEPS: tuple[str | None, ...] = (None, "AC", "DC")
CONNECTOR_KEYS = {"t": "Type 2", "c": "CCS", "m": "CHAdeMO"}


def _next(steps: tuple[object, ...], value: object) -> object:
    return steps[(steps.index(value) + 1) % len(steps)] if value in steps else steps[0]


class FacilityList(OptionList):
    """Facilities to require, each ticked ☑ or not ☐ (a tick, not a colour, says it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "select", "Pick", show=False, id="filters.facility",
                tooltip="Tick or untick the facility"),
    ]  # fmt: skip

    def show(self, chosen: frozenset[str]) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(
            Option(f"{'☑' if f in chosen else '☐'} {f.replace('_', ' ').lower()}", id=f)
            for f in FACILITIES
        )
        self.highlighted = highlighted


class FilterRow(Static):
    """One filter: its key, its state in words; a click does what the key does."""

    def __init__(self, action: str, id: str) -> None:
        super().__init__(id=id, classes="filter-row")
        self.action = action

    async def on_click(self) -> None:
        await self.screen.run_action(self.action)


class FiltersScreen(ModalScreen[Filters | None]):
    HELP = """
Each filter has one key: press it to switch it on or off, or to step through its values.
Esc or Enter closes and applies; x clears everything.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "switch('available_only')", "Available", show=False, id="filters.available"),
        Binding("o", "switch('open_now')", "Open now", show=False, id="filters.open_now"),
        Binding("t", "plug('t')", "Type 2", show=False, id="filters.type2"),
        Binding("c", "plug('c')", "CCS", show=False, id="filters.ccs"),
        Binding("m", "plug('m')", "CHAdeMO", show=False, id="filters.chademo"),
        Binding("k", "power", "Min. power", show=False, id="filters.power"),
        Binding("d", "current", "AC/DC", show=False, id="filters.current"),
        Binding("p", "price", "Max. price", show=False, id="filters.price"),
        Binding("n", "operator", "Operator", show=False, id="filters.operator"),
        Binding("x", "clear", "Clear all", id="filters.clear", tooltip="Remove every filter"),
        Binding("escape,enter", "done", "Done", key_display="esc", id="filters.done",
                tooltip="Close and apply the filters"),
    ]  # fmt: skip

    value: reactive[Filters] = reactive(Filters, init=False)

    @dataclass
    class OperatorsLoaded(Message):
        operators: list[str]

    @dataclass
    class Counted(Message):
        value: Filters
        total: str | None  # '123', or '1,000+'

    def __init__(
        self, filters: Filters, count: Callable[[Filters], Awaitable[str]] | None = None
    ) -> None:
        super().__init__()
        self.set_reactive(FiltersScreen.value, filters)
        self.operators: list[str] = []
        self.count = count  # how many stations match, for the live count in the title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            with Horizontal(id="dialog-head"):
                yield Static("Filters", id="dialog-title")
                yield Static(id="match-count")
            yield FilterRow("switch('available_only')", "row-available")
            yield FilterRow("switch('open_now')", "row-open")
            with Horizontal(id="row-plugs"):
                for key in CONNECTOR_KEYS:
                    yield FilterRow(f"plug('{key}')", f"row-plug-{key}")
            yield FilterRow("power", "row-power")
            yield FilterRow("current", "row-current")
            yield FilterRow("price", "row-price")
            yield FilterRow("operator", "row-operator")
            yield Static("Facilities (Enter or space ticks one)", id="facilities-title")
            yield FacilityList(id="facilities")
            with Horizontal(id="dialog-buttons"):
                yield Button("Clear all", id="clear", compact=True)
                yield Button("Done", id="done", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self._render_rows()
        self.load_operators()
        self.count_matches(self.value)

    @work(exclusive=True, exit_on_error=False)
    async def load_operators(self) -> None:
        app = cast("EmspFace", self.app)
        try:
            await app.ready()
            operators = await app.stations.operators()
        except Exception:
            operators = []  # the operator filter then stays "any"; nothing else depends on it
        self.post_message(self.OperatorsLoaded(operators))

    @on(OperatorsLoaded)
    def _operators(self, event: OperatorsLoaded) -> None:
        self.operators = event.operators
        self._render_rows()

    def watch_value(self, value: Filters) -> None:
        self._render_rows()
        self.count_matches(value)

    @work(exclusive=True, group="filter-count", exit_on_error=False)
    async def count_matches(self, value: Filters) -> None:
        if self.count is None:
            return
        try:
            total: str | None = await self.count(value)
        except Exception:
            total = None  # the count is a hint; the search itself reports errors
        self.post_message(self.Counted(value, total))

    @on(Counted)
    def _counted(self, event: Counted) -> None:
        if event.value == self.value:
            words = "" if event.total is None else f"{event.total} stations match"
            self.query_one("#match-count", Static).update(words)

    def _row(self, row_id: str, key: str, label: str, state: str, on: bool) -> None:
        text = Text.assemble(
            (f" {key} ", "reverse"), f" {label:<15}", plain(state, "bold" if on else "dim")
        )  # the state may be an operator's name
        self.query_one(f"#{row_id}", FilterRow).update(text)

    def _render_rows(self) -> None:
        v = self.value

        def tick(on: bool) -> str:
            return "☑ yes" if on else "☐ no"

        self._row("row-available", "a", "Available now", tick(v.available_only), v.available_only)
        self._row("row-open", "o", "Open now", tick(v.open_now), v.open_now)
        for key, group in CONNECTOR_KEYS.items():
            on = group in v.connectors
            text = Text.assemble(
                (f" {key} ", "reverse"), (f" {'☑' if on else '☐'} {group}", "bold" if on else "")
            )
            self.query_one(f"#row-plug-{key}", FilterRow).update(text)
        power = f"≥ {format_kw(v.min_kw)}" if v.min_kw else "any"
        self._row("row-power", "k", "Minimum power", power, bool(v.min_kw))
        self._row(
            "row-current",
            "d",
            "AC or DC",
            f"{v.power_type} only" if v.power_type else "both",
            bool(v.power_type),
        )
        price = f"≤ {v.max_price:.2f} per kWh" if v.max_price is not None else "any"
        self._row("row-price", "p", "Maximum price", price, v.max_price is not None)
        operator = v.operator or ("any" if self.operators else "any (none known yet)")
        self._row("row-operator", "n", "Operator", operator, bool(v.operator))
        self.query_one(FacilityList).show(v.facilities)

    # -- actions ------------------------------------------------------------------------------
    def action_switch(self, name: str) -> None:
        self.value = self.value.toggled(**{name: not getattr(self.value, name)})

    def action_plug(self, key: str) -> None:
        group = CONNECTOR_KEYS[key]
        self.value = self.value.toggled(connectors=self.value.connectors ^ {group})

    def action_power(self) -> None:
        self.value = self.value.toggled(min_kw=_next(POWER_STEPS, self.value.min_kw))

    def action_current(self) -> None:
        self.value = self.value.toggled(power_type=_next(CURRENT_STEPS, self.value.power_type))

    def action_price(self) -> None:
        self.value = self.value.toggled(max_price=_next(PRICE_STEPS, self.value.max_price))

    def action_operator(self) -> None:
        steps = (None, *self.operators)
        self.value = self.value.toggled(operator=_next(steps, self.value.operator))

    def action_clear(self) -> None:
        self.value = Filters()

    def action_done(self) -> None:
        self.dismiss(self.value)

    @on(OptionList.OptionSelected, "#facilities")
    def _facility(self, event: OptionList.OptionSelected) -> None:
        facility = event.option.id or ""
        self.value = self.value.toggled(facilities=self.value.facilities ^ {facility})

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.action_clear()

    @on(Button.Pressed, "#done")
    def _done(self) -> None:
        self.action_done()
