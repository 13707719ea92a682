"""The charging screens end to end over real HTTP: the mock network (uvicorn) and our node
with its receiver, driven through the app with Pilot: start, watch, stop, the CDR in history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from emsp_tui.app import EmspApp
from emsp_tui.config import load_settings
from emsp_tui.node import EmspNode
from emsp_tui.ocpi.enums import CommandResultType, CommandType, SessionStatus
from emsp_tui.screens.confirm import ConfirmScreen
from emsp_tui.screens.session import SessionScreen
from emsp_tui.screens.station import StationScreen
from emsp_tui.services import driver_advice as advice
from emsp_tui.services.stations import StationKey
from emsp_tui.widgets.session_panel import HistoryTable
from emsp_tui.widgets.station_info import EvseTable
from mock_backend.server import MockServer

from . import charging_support
from .charging_support import faults, remote_evse, tune

fast_mock = charging_support.fast_mock  # a fixture


def make_app(tmp_path: Path) -> EmspApp:
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.receiver.port = 0
    settings.request_timeout = 5.0
    node = EmspNode(settings)
    tune(node)
    app = EmspApp(settings, node=node, sync_on_start=False)
    app.animation_level = "none"
    return app


async def wait_for(pilot: Pilot[Any], check: Callable[[], Any], what: str) -> Any:
    for _ in range(400):  # up to ~20 s of real network time
        value = check()
        if value:
            return value
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def open_and_start(pilot: Pilot[Any], app: EmspApp, mock: MockServer) -> SessionScreen:
    node = await app.ready()
    await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    [result] = await node.new_sync().sync_all()
    assert result.ok, result.error
    await app.wallet.issue("my card")
    location, evse_uid = remote_evse(mock)
    key = StationKey(location.country_code, location.party_id, location.id)
    app.push_screen(StationScreen(key))
    station = await wait_for(
        pilot,
        lambda: isinstance(app.screen, StationScreen) and app.screen.detail and app.screen,
        "the station",
    )
    table = station.query_one(EvseTable)
    table.move_cursor(row=table.row_keys.index(evse_uid))
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the price question")
    assert "Start charger" in str(app.screen.text)
    await pilot.press("y")
    screen = await wait_for(
        pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen, "the session screen"
    )
    attempt = node.charging.attempt  # the service owns the attempt; the screens render it
    assert attempt is not None
    assert attempt.command is not None
    assert attempt.command.type == CommandType.START_SESSION
    first = attempt.command
    await pilot.press("escape")  # back on the station: a second start sends nothing more
    await pilot.pause()
    await pilot.press("s")
    screen = await wait_for(
        pilot,
        lambda: isinstance(app.screen, (SessionScreen, ConfirmScreen)) and app.screen,
        "the waiting screen, or a new question once the first start is decided",
    )
    if isinstance(screen, ConfirmScreen):
        await pilot.press("n")
        await pilot.pause()
        app.push_screen(SessionScreen())
        await pilot.pause()
        screen = app.screen
    assert isinstance(screen, SessionScreen)
    assert node.charging.attempt is not None
    assert node.charging.attempt.command is not None
    assert node.charging.attempt.command.id == first.id
    return screen


def start_result(screen: SessionScreen) -> CommandResultType | None:
    attempt = screen.attempt
    return attempt.command.result if attempt and attempt.command else None


async def test_start_watch_stop_and_the_cdr(tmp_path: Path, fast_mock: MockServer) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_and_start(pilot, app, fast_mock)
        await wait_for(
            pilot,
            lambda: start_result(screen) == CommandResultType.ACCEPTED,
            "CommandResult ACCEPTED",
        )
        first = await wait_for(
            pilot, lambda: screen.view and screen.view.kwh > 0 and screen.view, "energy"
        )
        await wait_for(pilot, lambda: screen.view and screen.view.kwh > first.kwh, "energy to rise")
        figures = str(screen.query_one("#session-figures", Static).render())
        assert f"{screen.view.kwh:.2f} kWh" in figures  # type: ignore[union-attr]
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "stop question")
        assert "Stop charging at" in str(app.screen.text)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: screen.view and screen.view.status == SessionStatus.COMPLETED,
            "COMPLETED",
        )
        table = screen.query_one(HistoryTable)

        def billed() -> bool:
            return (
                any(
                    "CDR pending" not in str(table.get_row_at(n)[4]) for n in range(table.row_count)
                )
                and table.row_count > 0
            )

        await wait_for(pilot, billed, "the CDR in history")
        assert screen.view is not None
        assert screen.view.cdr is not None


async def test_rejected_result_shows_the_driver_sentence(
    tmp_path: Path, fast_mock: MockServer
) -> None:
    location, _ = remote_evse(fast_mock)  # the one open_and_start picks
    await faults(
        fast_mock, add=[f"{location.country_code}-{location.party_id}:command_result=REJECTED"]
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_and_start(pilot, app, fast_mock)
        await wait_for(
            pilot,
            lambda: start_result(screen) == CommandResultType.REJECTED,
            "CommandResult REJECTED",
        )
        await pilot.pause()
        sentence = advice.RESULTS[(CommandType.START_SESSION, CommandResultType.REJECTED)].sentence
        assert sentence in str(screen.query_one("#command-state", Static).render())
