"""Charging in the app without a network: the start flow's local refusals, and area 5."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from emsp_tui.screens.confirm import ConfirmScreen
from emsp_tui.screens.session import SessionScreen
from emsp_tui.screens.station import StationScreen
from emsp_tui.services.stations import StationKey

from .support import card, make_app

SIZE = (100, 30)
KEY = StationKey("NL", "GLP", "NL-GLP-000002")


async def wait_idle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_station(pilot: Pilot[Any]) -> StationScreen:
    await wait_idle(pilot)
    pilot.app.push_screen(StationScreen(KEY))
    await wait_idle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StationScreen)
    assert screen.detail is not None
    return screen


async def test_start_without_a_valid_card_says_what_to_do(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1, valid=False)])
    async with app.run_test(size=SIZE) as pilot:
        await open_station(pilot)
        await pilot.press("s")
        await wait_idle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)  # nothing to confirm, nothing sent
        assert app.node.charging.attempt is None
        [note] = [n for n in app._notifications if n.title == "Not started"]
        assert "no valid charging card" in note.message
        assert "wallet" in note.message


async def test_start_asks_with_the_price_and_no_means_nothing_sent(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    async with app.run_test(size=SIZE) as pilot:
        station = await open_station(pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "Start charger" in dialog.text
        assert "Price:" in dialog.text or "no price" in dialog.text
        await pilot.press("n")
        await wait_idle(pilot)
        assert app.screen is station
        assert app.node.charging.attempt is None  # the service's: no attempt, nothing sent


async def test_area_5_shows_charging_with_nothing_running(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("5")
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.view is None
        assert screen.query_one("#no-session").display
        assert screen.check_action("stop", ()) is False  # nothing to stop: not even shown
