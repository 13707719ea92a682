"""Pilot: find a station (search as you type, filters), open it, read its price, star it."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual.message import Message
from textual.widgets import Button, Input, Static

from emsp_tui.screens.filters import FiltersScreen
from emsp_tui.screens.station import StationScreen
from emsp_tui.screens.stations import StationsScreen
from emsp_tui.services.station_info import parse_plan, tariff_offers
from emsp_tui.services.stations import StationKey
from emsp_tui.store import favourites as fav_store
from emsp_tui.tariff import PlannedCharge, format_amount, price_charge
from emsp_tui.widgets.station_info import EvseTable
from emsp_tui.widgets.station_table import StationTable

from .support import FROZEN, make_app, settle

SIZE = (110, 32)


def screen_text(widget: Static) -> str:
    """What a Static shows, as plain text (Text, or any Rich renderable)."""
    content = widget.content
    if isinstance(content, Text):
        return content.plain
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def rows(screen: StationsScreen) -> list[tuple[str, str, str]]:
    assert screen._page is not None
    return [(r.hit.title, r.hit.city, r.hit.operator or "") for r in screen._page.rows]


async def test_search_as_you_type_keeps_only_the_latest_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StationsScreen)
        first = screen._page
        assert first is not None
        distances = [r.hit.distance_km or 0 for r in first.rows]
        assert len(distances) == 50  # a page, nearest first from home
        assert distances == sorted(distances)
        assert app.focused is screen.query_one(StationTable)  # keys work from the start

        # Reaching the last row loads the next page (further away), without duplicates.
        await pilot.press("end")
        await settle(pilot)
        more = screen._page
        assert more is not None
        assert len(more.rows) > 50
        assert len({r.key for r in more.rows}) == len(more.rows)
        further = [r.hit.distance_km or 0 for r in more.rows]
        assert further == sorted(further)
        assert screen.query_one(StationTable).row_count == len(more.rows)

        await pilot.press("slash")
        assert app.focused is screen.query_one("#search", Input)
        await pilot.press(*"gron")
        await settle(pilot)
        found = rows(screen)
        assert found
        assert all(city == "Groningen" for _, city, _ in found)

        # Each keystroke started a search; only the answer to the last one is shown.
        loaded = [m for m in seen if isinstance(m, StationsScreen.Loaded)]
        assert len({m.generation for m in loaded}) >= 2
        stale = StationsScreen.Loaded(1, loaded[0].page, append=False)
        screen.post_message(stale)
        await settle(pilot)
        assert rows(screen) == found

        # Enter leaves the box for the results; Up from the first row goes back.
        await pilot.press("enter")
        assert app.focused is screen.query_one(StationTable)
        await pilot.press("up")
        assert app.focused is screen.query_one("#search", Input)


async def test_filters_by_single_keys_and_quick_toggles(tmp_path: Path) -> None:
    app = make_app(tmp_path, home=None)  # no home: counts are of every match, by name
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StationsScreen)
        assert screen._page is not None
        first_total = screen._page.total
        assert first_total == 120
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, FiltersScreen)
        await pilot.press("c", "k", "k", "k", "d", "d")  # CCS, ≥ 50 kW, DC only
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FiltersScreen)
        live = screen_text(dialog.query_one("#match-count", Static))  # counted as you toggle
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert screen.filters.connectors == {"CCS"}
        assert screen.filters.min_kw == 50
        assert screen.filters.power_type == "DC"
        page = screen._page
        assert page is not None
        assert 0 < page.total < first_total
        assert live == f"{page.total} stations match"
        assert all(
            "IEC_62196_T2_COMBO" in r.hit.connectors and r.hit.max_kw >= 50 for r in page.rows
        )
        chips = screen_text(screen.query_one("#filter-chips", Static))
        assert "CCS" in chips
        assert "≥ 50 kW" in chips
        assert "DC only" in chips

        before = page.total
        await pilot.press("ctrl+a")  # available now
        await settle(pilot)
        assert screen.filters.available_only
        assert screen._page is not None
        assert screen._page.total <= before
        assert all(r.hit.evses_available > 0 for r in screen._page.rows)

        await pilot.press("ctrl+x")
        await settle(pilot)
        assert not screen.filters.active
        assert screen._page is not None
        assert screen._page.total == first_total


async def test_open_a_station_read_it_and_star_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    key = StationKey("DE", "VOL", "DE-VOL-000041")  # one charger OUTOFORDER, one UNKNOWN
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        app.screen.query_one("#search", Input).value = "Dresden Süd"
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        station = app.screen
        assert isinstance(station, StationScreen)
        assert station.key == key
        detail = station.detail
        assert detail is not None
        table = station.query_one(EvseTable)
        assert table.row_count == len(detail.location.evses or [])
        statuses = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert "? Unknown" in statuses
        assert "✕ Out of order" in statuses
        assert "● Available" in statuses
        glance = screen_text(station.query_one("#glance", Static))
        assert "1 unknown" in glance  # unknown is said, never counted as available

        # Start charging is available once the station is loaded (it asks before sending).
        start = station.query_one("#start", Button)
        assert not start.disabled
        assert station.check_action("start_charging", ()) is True

        # The tariff in words and an estimate from the same engine.
        await pilot.press("p")
        await settle(pilot)
        offers = [o for o in tariff_offers(detail) if not o.ad_hoc and o.tariff]
        tariffs = screen_text(station.query_one("#tariffs", Static))
        assert offers
        assert all(o.tariff.id in tariffs for o in offers)
        await pilot.press("e")
        plan = station.query_one("#plan", Input)
        assert app.focused is plan
        plan.value = "20 kWh at 11 kW + 15 min idle"
        await settle(pilot)
        shown = screen_text(station.query_one("#estimate", Static))
        spec = parse_plan(plan.value)
        expected = price_charge(
            offers[0].tariff,  # type: ignore[arg-type]
            PlannedCharge(FROZEN, spec.energy_kwh, power_kw=11, parking=spec.parking),
            detail.location.time_zone,
        ).rounded()
        assert f"{format_amount(expected.incl_vat)} EUR incl. VAT" in shown
        assert f"({format_amount(expected.excl_vat)} excl.)" in shown
        plan.value = "lots of energy"
        await settle(pilot)
        assert "how much energy" in screen_text(station.query_one("#estimate", Static))

        # Star it (key), then see it in favourites with its live availability.
        await pilot.press("escape")  # leaves the estimate box first
        await pilot.press("asterisk")
        await settle(pilot)
        assert station.detail is not None
        assert station.detail.favourite
        assert str(station.query_one("#star", Button).label) == "★ Favourite"
        db = app.node.db
        assert await db.run(fav_store.is_favourite, *key)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StationsScreen)
        await pilot.press("2")
        await settle(pilot)
        table2 = app.screen.query_one(StationTable)
        assert table2.row_count == 1
        assert table2.current == key
        cells = table2.get_row_at(0)
        assert cells[0].plain == "★"
        assert cells[3].plain.startswith("●")

        # Unstar from favourites; the list empties and says what to do.
        await pilot.press("asterisk")
        await settle(pilot)
        assert table2.row_count == 0
        assert not await db.run(fav_store.is_favourite, *key)


async def test_star_button_and_unstarring_in_the_list(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StationsScreen)
        first = screen.query_one(StationTable).current
        assert first is not None
        await pilot.press("asterisk")
        await settle(pilot)
        assert screen.query_one(StationTable).get_row_at(0)[0].plain == "★"
        await pilot.press("enter")
        await settle(pilot)
        station = app.screen
        assert isinstance(station, StationScreen)
        assert station.detail is not None
        assert station.detail.favourite
        await pilot.click("#star")
        await settle(pilot)
        assert not station.detail.favourite
        assert not await app.node.db.run(fav_store.is_favourite, *first)


async def test_letters_typed_on_the_list_go_to_the_search(tmp_path: Path) -> None:
    """#10.1: typing 'paris' on the list used to toggle 'available now' (a) and 'lyon' 'open
    now' (o); the hint said 'f to filter' while f typed an f in the box."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StationsScreen)
        assert app.focused is screen.query_one(StationTable)
        await pilot.press(*"paris")
        await settle(pilot)
        assert screen.query_one("#search", Input).value == "paris"
        assert not screen.filters.active
        await pilot.press("escape", "down")  # back on the list, then more letters
        await pilot.press(*" lyon")
        await settle(pilot)
        assert not screen.filters.active
        hint = screen_text(screen.query_one("#filter-chips", Static))
        assert "Ctrl+F" in hint
        await pilot.press("slash", "ctrl+f")  # the hint's key works from the box
        await settle(pilot)
        assert isinstance(app.screen, FiltersScreen)
