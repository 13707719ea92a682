"""Sync over real HTTP against the mock network: full, incremental, faults, kill -9 and resume."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from emsp_tui.config import load_settings
from emsp_tui.node import EmspNode
from emsp_tui.ocpi.client import OcpiClient
from emsp_tui.ocpi.models import Location
from emsp_tui.ocpi.retry import NO_RETRY
from emsp_tui.services.sync import Progress
from emsp_tui.store import locations as loc_store
from emsp_tui.store import sync_state
from mock_backend.config import MockConfig
from mock_backend.server import MockServer, running_mock


async def set_faults(mock: MockServer, *specs: str) -> None:
    async with httpx.AsyncClient() as http:
        reply = await http.post(f"{mock.base_url}/mock/faults", json={"add": list(specs)})
        reply.raise_for_status()


async def stored_count(node: EmspNode) -> int:
    return await node.db.run(loc_store.count_locations)


async def test_full_then_incremental_picks_up_exactly_the_changes(
    node: EmspNode, mock: MockServer
) -> None:
    partner = await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    sync = node.new_sync(page_limit=60)
    [first] = await sync.sync_all()
    assert first.ok, first.error
    locations = next(m for m in first.modules if m.module == "locations")
    assert (locations.full, locations.stored, locations.total) == (True, 250, 250)
    assert await stored_count(node) == 250

    [again] = await sync.sync_all()
    assert [(m.module, m.full, m.stored) for m in again.modules] == [
        ("tariffs", False, 0),
        ("locations", False, 0),
    ]

    async with httpx.AsyncClient() as http:
        changed = (await http.post(f"{mock.base_url}/mock/changes", json={"count": 4})).json()
    [third] = await sync.sync_all()
    locations = next(m for m in third.modules if m.module == "locations")
    assert locations.full is False
    # Several status changes may hit one location; each changed location comes once.
    assert changed["changed"]
    assert 1 <= locations.stored <= 4
    assert await stored_count(node) == 250
    # What we hold now equals what the CPO says, EVSE status and all.
    url = partner.endpoint("locations", "SENDER") or ""
    async with OcpiClient(partner.token_out or "") as client:
        truth = {
            (loc.country_code, loc.party_id, loc.id): loc
            async for page in client.iter_objects(url, Location, limit=250)
            for loc in page.valid
        }
    for key, loc in truth.items():
        ours = await node.db.run(loc_store.get_location, *key)
        assert ours is not None
        assert [(e.uid, e.status) for e in ours.evses or []] == [
            (e.uid, e.status) for e in loc.evses or []
        ]


async def test_a_malformed_object_is_skipped_and_the_page_kept(
    node: EmspNode, mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    await set_faults(mock, "hub:malformed=2")
    [result] = await node.new_sync(page_limit=100).sync_all()
    assert result.ok, result.error
    locations = next(m for m in result.modules if m.module == "locations")
    assert locations.rejected, "the malformed object should be reported"
    assert all(r.object_id for r in locations.rejected)
    assert locations.stored == 250 - len(locations.rejected)
    assert await stored_count(node) == locations.stored
    bad = locations.rejected[0]
    assert bad.object_id in caplog.text
    assert "malformed" in caplog.text
    state = await node.db.run(sync_state.get_sync_state, 1, "locations")
    assert state.rejected == len(locations.rejected)


async def test_one_partner_timing_out_does_not_hold_back_the_others(
    node: EmspNode, mock: MockServer
) -> None:
    for key in ("DE-VOL", "NL-GLP", "FR-BRS"):
        await node.partners.add(mock.cpo_versions_urls[key], mock.token_a)
    await set_faults(mock, "FR-BRS:timeout=30")
    node.settings.request_timeout = 3.0  # generous: a loaded CI box must not time out the others
    results = {r.partner: r for r in await node.new_sync(retry=NO_RETRY).sync_all()}
    assert results["de-vol"].ok
    assert results["nl-glp"].ok
    assert not results["fr-brs"].ok
    assert "time" in (results["fr-brs"].error or "").lower()
    partners = {p.name: p for p in await node.partners.list()}
    assert partners["fr-brs"].last_error
    assert partners["de-vol"].last_error is None
    counts = {c.party_id: c.locations for c in await node.db.run(loc_store.count_by_party)}
    assert counts.get("VOL", 0) > 0
    assert counts.get("GLP", 0) > 0
    assert counts.get("BRS", 0) == 0


class Interrupted(Exception):
    pass


async def test_an_interrupted_sync_resumes_without_duplicates(
    node: EmspNode, mock: MockServer
) -> None:
    partner = await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    seen: list[Progress] = []

    def stop_after_two_pages(p: Progress) -> None:
        seen.append(p)
        if p.module == "locations" and p.done >= 100:
            raise Interrupted  # as if the process died right after the 2nd page committed

    sync = node.new_sync(page_limit=50)
    [broken] = await sync.sync_all(stop_after_two_pages)
    assert not broken.ok
    assert await stored_count(node) == 100
    assert partner.id is not None
    state = await node.db.run(sync_state.get_sync_state, partner.id, "locations")
    assert state.in_progress
    assert state.next_url

    [resumed] = await sync.sync_all()
    assert resumed.ok, resumed.error
    locations = next(m for m in resumed.modules if m.module == "locations")
    assert locations.received == 150  # only the pages not yet committed
    assert await stored_count(node) == 250
    rows = await node.db.run(
        lambda c: c.execute("SELECT count(*), count(DISTINCT id) FROM locations").fetchone()
    )
    assert tuple(rows) == (250, 250)


@pytest.fixture
async def slow_mock() -> AsyncIterator[MockServer]:
    config = MockConfig(
        seed=11, locations=400, churn_per_minute=0, page_limit=25, max_page_limit=25
    )
    async with running_mock(config) as server:
        yield server


async def test_kill_9_mid_sync_leaves_a_consistent_store_that_resumes(
    tmp_path: Path, slow_mock: MockServer
) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    settings = load_settings(data_dir=data, config_dir=config)
    settings.receiver.port = 0
    async with EmspNode(settings) as node:
        await node.partners.add(slow_mock.versions_url, slow_mock.token_a, name="hub")
    await set_faults(slow_mock, "hub:latency=0.15")
    env = {**os.environ, "EMSP_DATA_DIR": str(data), "EMSP_CONFIG_DIR": str(config)}
    proc = subprocess.Popen(  # noqa: ASYNC220 (a real child to SIGKILL mid-sync; never waited on here)
        [sys.executable, "-m", "emsp_tui", "sync", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db_path = data / "emsp.sqlite3"
    try:
        for _ in range(400):
            await asyncio.sleep(0.05)
            with sqlite3.connect(db_path) as conn:
                row = conn.execute(
                    "SELECT pages FROM sync_state WHERE module = 'locations'"
                ).fetchone()
            if row and row[0] >= 2:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored, pages = conn.execute(
            "SELECT (SELECT count(*) FROM locations), pages"
            " FROM sync_state WHERE module='locations'"
        ).fetchone()
    assert 0 < stored < 400
    assert stored == pages * 25  # every committed page whole, nothing half-written

    await set_faults(slow_mock)  # no new faults; clear the latency
    async with httpx.AsyncClient() as http:
        await http.post(f"{slow_mock.base_url}/mock/faults", json={"clear": True})
    async with EmspNode(load_settings(data_dir=data, config_dir=config), serve=False) as node:
        [result] = await node.new_sync().sync_all()
        assert result.ok, result.error
        locations = next(m for m in result.modules if m.module == "locations")
        assert locations.received == 400 - stored
        assert await stored_count(node) == 400
