"""The results table of the station finder (and of favourites): one row per station."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from ..services.stations import StationKey, StationRow, format_distance
from .responsive_table import Cells, Col, ResponsiveTable
from .status import availability


def row_key(key: StationKey) -> str:
    return "\x1f".join(key)


def parse_row_key(text: str) -> StationKey:
    return StationKey(*text.split("\x1f"))


class StationTable(ResponsiveTable):
    """Stations, nearest first: availability in symbols and numbers, fastest plug, price."""

    HELP = """
## Stations

- **↑ ↓ PgUp PgDn** move, **Enter** opens the station.
- **Free** is `available/total` chargers: `●` some free, `✕` none, `?` none known to be
  free but some status is unknown (unknown is never counted as available).
- **Price** is the tariff in one glance; `…` means the station has more tariffs
  (e.g. AC and DC): the station page lists them all.
"""

    COLUMNS = (
        Col("star", "★", 1),
        Col("name", "Station", 18, flex=True, ideal=30),
        Col("distance", "Dist.", 6, justify="right"),
        Col("free", "Free", 6),
        Col("fastest", "Fastest", 12, priority=1),
        Col("price", "Price", 22, priority=1),
        Col("operator", "Operator", 22, priority=2),
        Col("city", "City", 14, priority=3),
        Col("address", "Address", 22, priority=4),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="stations.open", tooltip="Open the station"),
    ]

    @dataclass
    class Picked(Message):
        """The driver chose a station (Enter or a click on a row)."""

        table: StationTable
        key: StationKey

        @property
        def control(self) -> StationTable:
            return self.table

    @dataclass
    class NeedMore(Message):
        """The cursor reached the last loaded row."""

        table: StationTable

    def cells(self, row: StationRow) -> Cells:
        hit = row.hit
        return {
            "star": Text("★" if row.favourite else " "),
            "name": hit.title,
            "distance": format_distance(hit.distance_km),
            "free": availability(self.app, hit.evses_available, hit.evses_total, row.unknown),
            "fastest": row.fastest,
            "price": row.price or Text("unknown", style="dim"),
            "operator": hit.operator or "",
            "city": hit.city,
            "address": hit.address,
        }

    def show(self, rows: Sequence[StationRow], *, append: bool = False) -> None:
        if not append:  # no home position: no distances to show
            self.hide(
                frozenset()
                if any(r.hit.distance_km is not None for r in rows)
                else frozenset({"distance"})
            )
        items = [(row_key(r.key), self.cells(r)) for r in rows]
        if append:
            self.append_rows(items)
        else:
            self.set_rows(items, keep=self.current_key)

    def mark_favourite(self, key: StationKey, favourite: bool) -> None:
        text = row_key(key)
        if text in self.row_keys and "star" in dict(self._shown):
            self.update_cell(text, "star", Text("★" if favourite else " "))
            for i, (k, cells) in enumerate(self._rows):
                if k == text:
                    self._rows[i] = (k, {**cells, "star": Text("★" if favourite else " ")})

    @property
    def current(self) -> StationKey | None:
        key = self.current_key
        return parse_row_key(key) if key else None

    @on(DataTable.RowSelected)
    def _picked(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.Picked(self, parse_row_key(event.row_key.value)))

    @on(DataTable.RowHighlighted)
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        if self._rows and event.cursor_row >= len(self._rows) - 1:
            self.post_message(self.NeedMore(self))

    def action_cursor_up(self) -> None:
        # Up from the first row goes back to what is above (the search box).
        if self.cursor_row == 0:
            self.screen.focus_previous()
        else:
            super().action_cursor_up()
