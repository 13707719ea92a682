"""Issue #10: the top bar said "⌂ not set (h)", but on the stations list h types into the search.
The hint names ctrl+p (the command palette, which offers "Set home position"): it works there."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Static

from .support import make_app
from .test_charging_views_ui import wait_idle


async def test_the_home_hint_names_a_key_that_works_from_the_search(tmp_path: Path) -> None:
    app = make_app(tmp_path, home=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        hint = str(app.screen.query_one("#area-info", Static).render())
        assert hint.endswith("⌂ not set: ctrl+p")  # whole at 80 columns
        await pilot.press("h")  # letters go to the search: h is no home key here
        await pilot.pause()
        assert isinstance(app.focused, Input)
        assert app.focused.value == "h"
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"home")
        for _ in range(50):
            await pilot.pause(0.02)
            found = app.screen.query_one(CommandList)
            prompts = [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]
            if any("Set home position" in p for p in prompts):
                break
        else:
            raise AssertionError("the palette does not offer 'Set home position'")
