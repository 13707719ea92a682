"""Toggling the theme in the app saves the theme, nothing else (#17)."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from tests.ui.support import make_app
from tests.ui.test_stations_flow import SIZE, settle

WRITTEN = """\
request_timeout = 5.0
sync_workers = 0
theme = "textual-dark"
"""


async def test_the_theme_toggle_keeps_the_file_and_skips_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text(WRITTEN)
    config.chmod(0o640)
    monkeypatch.setenv("EMSP_RECEIVER__PORT", "9123")
    app = make_app(tmp_path)
    assert app.settings.receiver.port == 9123
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.theme == "textual-light"
        await app.workers.wait_for_complete()
    assert tomllib.loads(config.read_text()) == {
        "request_timeout": 5.0,
        "sync_workers": 0,
        "theme": "textual-light",
    }
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
