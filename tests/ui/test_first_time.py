"""Pilot: what a first-time user tripped over (issue #10): help for the screen you are on,
the palette finding charging, the demo saying its time runs fast."""

from __future__ import annotations

import random
from pathlib import Path

from textual.fuzzy import Matcher
from textual.widgets import Input, Markdown, Static

from emsp_tui.app import EmspApp
from emsp_tui.node import EmspNode
from emsp_tui.screens.help import HelpScreen
from emsp_tui.screens.station import StationScreen
from emsp_tui.services.stations import StationKey

from .support import FROZEN, make_app, settle

SIZE = (120, 35)


async def test_help_starts_with_the_keys_of_the_screen_you_are_on(tmp_path: Path) -> None:
    """#10.9: `?` showed the same general help from the top on every screen."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        first = text.index("## ")
        assert text[first:].startswith("## Here: 3 · Wallet")
        assert text.index("Block/unblock") < text.index("## Everywhere")
        await pilot.press("escape", "1", "question_mark")
        await settle(pilot)
        text = app.screen.query_one(Markdown).source
        assert text[text.index("## ") :].startswith("## Here: 1 · Stations")


async def test_the_palette_finds_history_session_and_tap(tmp_path: Path) -> None:
    """#10.14: the palette found nothing for 'history', 'session' or 'tap'."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for word in ("history", "session", "tap"):  # the palette matches the titles
            assert any(Matcher(word).match(title) > 0 for title in titles), word


async def test_the_top_bar_has_the_charging_area(tmp_path: Path) -> None:
    """#10.14: area 5 (charging) was missing from the top bar."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tab = app.screen.query_one("#area-charging", Static)
        assert "5 Charging" in str(tab.render())


async def test_tap_is_in_the_station_footer(tmp_path: Path) -> None:
    """#10.14: `t` (tap) was not in the footer."""
    binding = next(b for b in StationScreen.BINDINGS if getattr(b, "id", "") == "station.tap")
    assert getattr(binding, "show", False)


async def test_the_demo_says_its_time_runs_fast(tmp_path: Path) -> None:
    """#10.6: the demo runs simulated time at 60x and said so nowhere."""
    template = make_app(tmp_path)
    settings = template.settings
    app = EmspApp(
        settings, node=EmspNode(settings, serve=False), now=lambda: FROZEN,
        rng=random.Random(1), sync_on_start=False, demo_speed=60.0,
    )  # fmt: skip
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = app.screen.query_one("#area-info", Static)
        assert "demo: time \N{MULTIPLICATION SIGN}60" in str(info.render())
        await pilot.press("5")  # the charging area, where a stop at 12.7 kWh bills 27 kWh later
        await pilot.pause()  # (its watch worker runs for as long as the screen is open)
        notice = app.screen.query_one("#demo-time", Static)
        assert notice.display
        assert "60 times faster" in str(notice.render())
    plain = make_app(tmp_path / "real")
    async with plain.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "demo" not in plain.status_line


async def test_typing_a_new_estimate_replaces_the_old_one(tmp_path: Path) -> None:
    """#10.7: the estimate field kept the old text ("30 kWh in 40 min60 kWh in 30 min")."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(StationScreen(StationKey("DE", "VOL", "DE-VOL-000041")))
        await settle(pilot)
        await pilot.press("e")
        await pilot.press(*"60 kWh in 30 min")
        await settle(pilot)
        assert app.screen.query_one("#plan", Input).value == "60 kWh in 30 min"
