"""Pilot: a click does what its key does (area tabs, the filter bar, a filter row, Sync now,
Change...). These handlers used to build run_action coroutines and never await them."""

from __future__ import annotations

from pathlib import Path

from emsp_tui.screens.favourites import FavouritesScreen
from emsp_tui.screens.filters import FiltersScreen
from emsp_tui.screens.home import HomeScreen
from emsp_tui.screens.partners import PartnersScreen
from emsp_tui.screens.session import SessionScreen
from emsp_tui.screens.stations import StationsScreen

from .support import make_app, settle
from .test_areas import FakeSync

SIZE = (120, 35)


async def test_clicking_an_area_tab_opens_the_area(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#area-favourites")
        await settle(pilot)
        assert isinstance(app.screen, FavouritesScreen)
        await pilot.click("#area-charging")  # the fifth area has its tab too
        await pilot.pause()  # (the charging area follows the charge: its worker never ends)
        assert isinstance(app.screen, SessionScreen)


async def test_clicking_the_filter_bar_and_a_filter_row(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        stations = app.screen
        assert isinstance(stations, StationsScreen)
        await pilot.click("#filter-bar")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FiltersScreen)
        await pilot.click("#row-available")
        await settle(pilot)
        assert dialog.value.available_only
        await pilot.click("#row-plug-c")
        await settle(pilot)
        assert dialog.value.connectors == {"CCS"}


async def test_clicking_sync_now_and_change_home(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.sync_factory = FakeSync  # type: ignore[assignment]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, PartnersScreen)
        version = app.data_version
        await pilot.click("#sync")
        await settle(pilot)
        assert app.data_version == version + 1  # the sync ran and finished
        assert app.sync_state.finished_at is not None
        await pilot.press("t")  # the settings tab
        await settle(pilot)
        await pilot.click("#change-home")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
