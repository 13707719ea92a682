"""Station finder: search as you type, filters by single keys, nearest first from "home"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Input, Static

from ..messages import FavouriteToggled
from ..services.station_search import WHOLE_EARTH_KM, SearchQuery
from ..services.stations import Filters, StationPage
from ..widgets.area_bar import AreaBar
from ..widgets.safe_text import plain
from ..widgets.station_table import StationTable
from .base import AreaScreen, one_line
from .station import StationScreen

PAGE = 50


class FilterBar(Horizontal):
    """The active filters as chips, and how many stations match; a click opens the filters."""

    def compose(self) -> ComposeResult:
        yield Static(id="filter-chips")
        yield Static(id="result-count")

    def show(self, chips: list[str], count: str) -> None:
        text = "Filters: " + " · ".join(chips) if chips else "No filters (Ctrl+F to filter)"
        self.query_one("#filter-chips", Static).update(plain(text))  # an operator's name
        self.query_one("#result-count", Static).update(count)
        self.set_class(bool(chips), "-active")

    async def on_click(self) -> None:
        await self.screen.run_action("filters")


class StationsScreen(AreaScreen):
    HELP = """
Find a place to charge. Type to search names, streets, cities, postal codes, operators or
EVSE ids: results update as you type, nearest first from your **home position** (Ctrl+P,
"Set home position").
Letters typed on the list go to the search box. Filters (**Ctrl+F**, from the box too) narrow
the list by plug, power, AC/DC, availability, opening hours, operator, price and facilities;
**Ctrl+A** and **Ctrl+O** toggle "available now" and "open now" directly.
"""
    AUTO_FOCUS = "#results"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="stations.search",
                tooltip="Type a name, street, city, operator or EVSE id"),
        # Letters go to the search (see on_key): filter keys are Ctrl keys, Ctrl+F even in the box
        Binding("ctrl+f", "filters", "Filters", priority=True, id="stations.filters",
                tooltip="Plug, power, AC/DC, availability, opening, operator, price, facilities"),
        Binding("ctrl+a", "toggle_available", "Available", id="stations.available",
                tooltip="Only stations with a charger free right now"),
        Binding("ctrl+o", "toggle_open", "Open now", show=False, id="stations.open_now",
                tooltip="Only stations open right now"),
        Binding("ctrl+x", "clear_filters", "Clear filters", show=False, id="stations.clear",
                tooltip="Remove every filter"),
        Binding("asterisk", "star", "Star", key_display="*", id="stations.star",
                tooltip="Add the station to your favourites, or remove it"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="stations.refresh",
                tooltip="Search again (live availability)"),
        Binding("down,escape", "leave_search", "Results", key_display="↓", id="stations.to_results",
                tooltip="From the search box to the results"),
    ]  # fmt: skip

    filters: reactive[Filters] = reactive(Filters, init=False)

    @dataclass
    class Loaded(Message):
        generation: int
        page: StationPage
        append: bool

    @dataclass
    class Failed(Message):
        generation: int
        error: str

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0
        self._page: StationPage | None = None
        self._loading_more = False
        self._has_more = False

    def compose(self) -> ComposeResult:
        yield AreaBar("stations")
        yield Input(
            placeholder="Search: name, street, city, operator, EVSE id…",
            id="search",
            select_on_focus=False,
        )
        yield FilterBar(id="filter-bar")
        yield StationTable(id="results")
        yield Static(id="highlight")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StationTable).loading = True
        self._show_filters()
        self.watch(self.app, "data_version", lambda _: self.search(keep=True), init=False)
        self.search()

    def on_screen_resume(self) -> None:
        if self._page is not None:
            self.search(keep=True)  # stars and availability may have changed meanwhile

    # -- searching ------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.query_one("#search", Input).value

    def _query(self, offset: int = 0) -> SearchQuery:
        return self.filters.query(
            self.text, near=self.emsp.near, now=self.emsp.now(), limit=PAGE, offset=offset
        )

    def search(self, *, keep: bool = False) -> None:
        """Search again from the first page; stale answers are dropped by generation."""
        self._generation += 1
        self._loading_more = False
        self.load(self._generation, self._query(), append=False)

    @work(exclusive=True, group="stations", exit_on_error=False)
    async def load(self, generation: int, query: SearchQuery, append: bool) -> None:
        try:
            await self.emsp.ready()
            page = await self.emsp.stations.search(query)
        except Exception as err:
            self.post_message(self.Failed(generation, one_line(err)))
        else:
            self.post_message(self.Loaded(generation, page, append))

    @on(Input.Changed, "#search")
    def _typed(self) -> None:
        self.search()

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        self.action_leave_search()

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.generation != self._generation:
            return  # an answer to an older search
        table = self.query_one(StationTable)
        table.loading = False
        self._loading_more = False
        new = event.page
        self._has_more = new.has_more
        if event.append and self._page is not None:
            rows = [*self._page.rows, *new.rows]
            self._page = StationPage(
                rows, new.total, 0, new.currency, new.radius_km, new.limit, new.total_capped
            )
        else:
            self._page = new
        table.show(event.page.rows, append=event.append)
        self._show_filters()
        self._show_highlight()
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        if event.generation != self._generation:
            return
        self.query_one(StationTable).loading = False
        self.failed("Search failed", event.error)

    @on(StationTable.NeedMore)
    def _more(self) -> None:
        page = self._page
        if page is None or self._loading_more or not self._has_more:
            return
        self._loading_more = True
        self.load(self._generation, self._query(offset=len(page.rows)), append=True)

    # -- what the bars say ------------------------------------------------------------------------
    def watch_filters(self) -> None:
        self._show_filters()
        self.refresh_bindings()
        self.search()

    def _show_filters(self) -> None:
        chips = self.filters.chips()
        page = self._page
        count = ""
        if page is not None:
            noun = "station" if page.total == 1 else "stations"
            count = f"{page.total_label} {noun}"
            if page.radius_km is not None:
                if page.radius_km < WHOLE_EARTH_KM:  # else: the whole earth, say nothing
                    count += f" within {page.radius_km:.0f} km"
                count += ", nearest first"
        self.query_one(FilterBar).show(chips, count)

    @on(StationTable.RowHighlighted)
    def _show_highlight(self) -> None:
        table = self.query_one(StationTable)
        key, page = table.current, self._page
        line = ""
        if page is not None and not page.rows:
            if self.text or self.filters.active:
                line = "No station matches. Try other words, or fewer filters (Ctrl+X clears them)."
            else:
                line = "No stations yet: connect a partner in Partners (4), or run 'emsp demo'."
        elif key is not None and page is not None:
            row = next((r for r in page.rows if r.key == key), None)
            if row is not None:
                hit = row.hit
                place = ", ".join(p for p in (hit.address, hit.postal_code, hit.city) if p)
                line = " · ".join(p for p in (place, hit.operator, row.price) if p)
        self.query_one("#highlight", Static).update(plain(line))

    def on_key(self, event: events.Key) -> None:
        """A letter typed on the list goes to the search box, as if typed there."""
        search = self.query_one("#search", Input)
        if self.focused is search or not (event.character and event.character.isalpha()):
            return
        event.stop()
        event.prevent_default()
        search.focus()
        search.insert_text_at_cursor(event.character)

    # -- actions ----------------------------------------------------------------------------
    @on(StationTable.Picked)
    def _open(self, event: StationTable.Picked) -> None:
        self.app.push_screen(StationScreen(event.key))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_leave_search(self) -> None:
        if self.focused is self.query_one("#search", Input):
            self.query_one(StationTable).focus()

    def action_filters(self) -> None:
        from .filters import FiltersScreen

        def chosen(filters: Filters | None) -> None:
            if filters is not None:
                self.filters = filters

        async def count(filters: Filters) -> str:
            await self.emsp.ready()
            query = filters.query(self.text, near=None, now=self.emsp.now(), limit=1)
            return (await self.emsp.stations.search(query)).total_label

        self.app.push_screen(FiltersScreen(self.filters, count), chosen)

    def action_toggle_available(self) -> None:
        self.filters = self.filters.toggled(available_only=not self.filters.available_only)

    def action_toggle_open(self) -> None:
        self.filters = self.filters.toggled(open_now=not self.filters.open_now)

    def action_clear_filters(self) -> None:
        self.filters = Filters()

    def action_refresh(self) -> None:
        self.search(keep=True)

    def action_star(self) -> None:
        key = self.query_one(StationTable).current
        if key is not None:
            self.toggle_star(key)

    @on(FavouriteToggled)
    def _starred(self, event: FavouriteToggled) -> None:
        self.query_one(StationTable).mark_favourite(event.key, event.favourite)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "star":
            return (self._page is not None and bool(self._page.rows)) or None
        if action == "clear_filters":
            return self.filters.active or None
        if action == "leave_search":
            return self.focused is not None and self.focused.id == "search"
        return True

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Filters", "Narrow the station list (Ctrl+F)", self.action_filters)
        yield SystemCommand(
            "Available now", "Toggle: only stations with a free charger (Ctrl+A)",
            self.action_toggle_available,
        )  # fmt: skip
        yield SystemCommand(
            "Open now", "Toggle: only stations open now (Ctrl+O)", self.action_toggle_open
        )
        yield SystemCommand(
            "Clear filters", "Remove every filter (Ctrl+X)", self.action_clear_filters
        )
