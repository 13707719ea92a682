"""The station page follows the charging service's attempt (issue #10, bug 3): once the
charge is over it no longer says it is waiting for the charger."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from emsp_tui.ocpi.enums import SessionStatus
from emsp_tui.screens.confirm import ConfirmScreen
from emsp_tui.screens.station import StationScreen
from mock_backend.server import MockServer

from . import charging_support
from .test_charging_ui import make_app, open_and_start, wait_for

fast_mock = charging_support.fast_mock  # a fixture


async def test_the_station_stops_waiting_once_the_charge_is_over(
    tmp_path: Path, fast_mock: MockServer
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_and_start(pilot, app, fast_mock)
        await wait_for(pilot, lambda: screen.view and screen.view.kwh > 0, "energy")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "stop question")
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: screen.view and screen.view.status == SessionStatus.COMPLETED,
            "COMPLETED",
        )
        await pilot.press("escape")
        station = await wait_for(
            pilot, lambda: isinstance(app.screen, StationScreen) and app.screen, "the station"
        )
        await pilot.pause(1.2)  # a tick of the station's clock
        said = str(station.query_one("#start-state", Static).render())
        assert "Waiting for the charger" not in said
        assert "finished" in said
