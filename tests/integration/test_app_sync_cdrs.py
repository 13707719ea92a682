"""The app's sync pulls new CDRs too (issue #12: pushes get lost, partners expect the pull)."""

from __future__ import annotations

from pathlib import Path

from emsp_tui.store import sync_state
from mock_backend.server import MockServer

from . import charging_support
from .test_charging_ui import make_app, wait_for

fast_mock = charging_support.fast_mock  # a fixture


async def test_sync_now_in_the_app_pulls_the_partners_cdrs(
    tmp_path: Path, fast_mock: MockServer
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 35)) as pilot:
        node = await app.ready()
        partner = await node.partners.add(fast_mock.versions_url, fast_mock.token_a, name="hub")
        assert partner.id is not None
        app.action_sync()
        await wait_for(pilot, lambda: app.sync_state.finished_at is not None, "the sync")
        state = await node.db.run(sync_state.get_sync_state, partner.id, "cdrs")
    assert app.sync_state.error is None
    assert state.synced_to is not None  # a complete CDR pull, as the checkpoint records it
