"""Command palette: find a station by name, street, city or EVSE id and open it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..services.station_search import SearchQuery
from ..services.stations import StationKey, format_distance
from ..widgets.safe_text import markup_literal, terminal_safe

if TYPE_CHECKING:
    from .face import EmspFace


class StationLookup(Provider):
    """Stations matching what is typed, nearest first when a home position is set."""

    @property
    def emsp(self) -> EmspFace:
        return cast("EmspFace", self.app)

    def _open(self, key: StationKey) -> None:
        from .station import StationScreen

        self.app.push_screen(StationScreen(key))

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2:
            return
        app = self.emsp
        try:
            await app.ready()
            page = await app.stations.search(SearchQuery(text=query, near=app.near, limit=8))
        except Exception:
            return  # the palette shows no station hits; the other commands still work
        for row in page.rows:
            hit = row.hit
            where = ", ".join(
                p for p in (hit.address, hit.city, format_distance(hit.distance_km)) if p
            )
            title = f"Station: {terminal_safe(hit.title)}"
            help_line = f"{where} · {hit.evses_available}/{hit.evses_total} available · {row.price}"
            yield Hit(
                score=1.0 - 0.05 * page.rows.index(row),
                match_display=Text(title),  # a str would be read as markup
                command=partial(self._open, row.key),
                text=title,
                help=markup_literal(help_line),  # always read as markup by the palette
            )

    async def discover(self) -> Hits:
        yield DiscoveryHit(
            "Find a station…",
            lambda: self.app.run_action("area('stations')"),
            help="Type a station name, street, city or EVSE id here to open it",
        )
