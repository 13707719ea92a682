"""Appearance, one snapshot per meaningful screen state. Seeded store, frozen clock, no blink.

Plain ``def`` tests: snap_compare runs its own event loop. Update with
``pytest tests/snapshots --snapshot-update`` after looking at snapshot_report.html.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from emsp_tui.screens.station import StationScreen
from emsp_tui.services.stations import StationKey
from tests.ui.support import card, make_app

Snap = Callable[..., bool]
WIDE, MEDIUM, SMALL = (120, 35), (100, 30), (80, 24)
FAVOURITES = [("NL", "GLP", "NL-GLP-000002"), ("DE", "VOL", "DE-VOL-000041")]


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until workers are done and their messages handled (a handler may start another)."""
    app = pilot.app
    await pilot.pause()
    while any(not worker.is_finished for worker in app.workers):
        await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


def steps(
    *actions: str | Callable[[Pilot[Any]], Awaitable[None]],
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Keys (or coroutines) to run, settling after each, before the screenshot."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)  # first layout before anything else (regions are 0x0 until then)
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
            else:
                await action(pilot)
            await settle(pilot)

    return run


def open_station(key: StationKey) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        pilot.app.push_screen(StationScreen(key))

    return run


def type_search(text: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#search", Input).value = text

    return run


DRESDEN = StationKey("DE", "VOL", "DE-VOL-000041")  # available, out of order and unknown


def test_stations_nearest_first(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, favourites=FAVOURITES)
    assert snap_compare(app, terminal_size=WIDE, run_before=steps())


def test_stations_small_terminal_searching(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert snap_compare(
        app, terminal_size=SMALL, run_before=steps("slash", type_search("den haag"))
    )


def test_stations_filtered(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run = steps("ctrl+f", "c", "k", "k", "k", "escape", "ctrl+a")
    assert snap_compare(app, terminal_size=MEDIUM, run_before=run)


def test_filters_dialog(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert snap_compare(
        app, terminal_size=SMALL, run_before=steps("ctrl+f", "t", "d", "d", "p", "p", "o")
    )


def test_stations_without_any_partner(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, empty=True, home=None)
    assert snap_compare(app, terminal_size=SMALL, run_before=steps())


def test_station_chargers(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, favourites=FAVOURITES)
    assert snap_compare(app, terminal_size=WIDE, run_before=steps(open_station(DRESDEN)))


def test_station_price_and_estimate(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=MEDIUM, run_before=steps(open_station(DRESDEN), "p"))


def test_station_about_light_theme(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, theme="textual-light")
    assert snap_compare(app, terminal_size=MEDIUM, run_before=steps(open_station(DRESDEN), "i"))


def test_favourites(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, favourites=[*FAVOURITES, ("NL", "XYZ", "GONE-1")])
    assert snap_compare(app, terminal_size=MEDIUM, run_before=steps("2"))


def test_wallet_with_a_blocked_card(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1), card(2, valid=False)])
    assert snap_compare(app, terminal_size=MEDIUM, run_before=steps("3"))


def test_wallet_block_confirmation_small(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    assert snap_compare(app, terminal_size=SMALL, run_before=steps("3", "b"))


def test_partners(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=MEDIUM, run_before=steps("4"))


def test_home_dialog(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path, home=None)
    assert snap_compare(app, terminal_size=SMALL, run_before=steps(open_home, *"Utre"))


async def open_home(pilot: Pilot[Any]) -> None:
    """The home dialog, as the palette's "Set home position" opens it (on the stations list
    h types an h into the search)."""
    pilot.app.action_set_home()  # type: ignore[attr-defined]


def test_help(snap_compare: Snap, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=MEDIUM, run_before=steps("question_mark"))
