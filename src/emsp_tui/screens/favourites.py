"""Favourites: the driver's starred stations with their availability as the store has it now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Static

from ..messages import FavouriteToggled
from ..services.stations import FavouriteRow, StationKey
from ..widgets.area_bar import AreaBar
from ..widgets.station_table import StationTable, row_key
from .base import AreaScreen, one_line
from .station import StationScreen

REFRESH_SECONDS = 30


class FavouritesScreen(AreaScreen):
    HELP = """
Your starred stations, with how many chargers are free right now (live from the operators,
refreshed every 30 seconds and whenever you come back here). Star a station with * in the
station list or on its page.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("asterisk,delete", "unstar", "Unstar", key_display="*", id="favourites.unstar",
                tooltip="Remove the station from your favourites"),
        Binding("r", "refresh", "Refresh", id="favourites.refresh",
                tooltip="Read the latest availability"),
        Binding("h", "app.set_home", "Home", show=False, id="favourites.home",
                tooltip="Set the position distances are measured from"),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        rows: list[FavouriteRow]
        error: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FavouriteRow] = []

    def compose(self) -> ComposeResult:
        yield AreaBar("favourites")
        yield Static(id="favourites-title")
        yield StationTable(id="favourites")
        yield Static(id="favourites-empty")
        yield Footer()

    def _reload(self) -> None:
        self.load()

    def on_mount(self) -> None:
        self.query_one(StationTable).loading = True
        self.watch(self.app, "data_version", self._reload, init=False)
        self.set_interval(REFRESH_SECONDS, self.load)
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @work(exclusive=True, group="favourites-load", exit_on_error=False)
    async def load(self) -> None:
        try:
            await self.emsp.ready()
            rows = await self.emsp.stations.favourites(self.emsp.near)
        except Exception as err:
            self.post_message(self.Loaded([], one_line(err)))
        else:
            self.post_message(self.Loaded(rows))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        table = self.query_one(StationTable)
        table.loading = False
        if event.error:
            self.failed("Could not read favourites", event.error)
            return
        self.rows = event.rows
        items = []
        for fav in event.rows:
            if fav.row is not None:
                items.append((row_key(fav.key), table.cells(fav.row)))
            else:
                items.append((row_key(fav.key), {
                    "star": Text("★"),
                    "name": Text(f"{fav.key.location_id}: no longer listed", style="dim"),
                    "free": Text("– gone", style="dim"),  # noqa: RUF001
                }))  # fmt: skip
        table.set_rows(items, keep=table.current_key)
        count = len(event.rows)
        title = f"{count} favourite{'s' if count != 1 else ''}" if count else ""
        self.query_one("#favourites-title", Static).update(title)
        empty = self.query_one("#favourites-empty", Static)
        empty.display = not count
        empty.update(
            "No favourites yet. Star a station with * in the station list (1) or on its page."
        )
        self.refresh_bindings()

    @on(StationTable.Picked)
    def _open(self, event: StationTable.Picked) -> None:
        fav = next((f for f in self.rows if f.key == event.key), None)
        if fav is not None and fav.row is None:
            self.notify("This station is no longer listed by its operator.")
            return
        self.app.push_screen(StationScreen(event.key))

    def action_unstar(self) -> None:
        key = self.query_one(StationTable).current
        if key is not None:
            self.toggle_star(StationKey(*key))

    @on(FavouriteToggled)
    def _toggled(self) -> None:
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unstar":
            return bool(self.rows) or None
        return True

    def commands(self) -> Iterable[SystemCommand]:
        if self.rows:
            yield SystemCommand(
                "Unstar", "Remove the highlighted favourite (*)", self.action_unstar
            )
        yield SystemCommand("Refresh favourites", "Read the latest availability (r)", self.load)
