"""Sync with location pages prepared in worker processes, over real HTTP against the mock.

The workers are real child processes (``python -m emsp_tui.services.page_worker``); every page
goes to them here (``min_bytes_for_workers=0``). What they store must be exactly what preparing
in process stores, and a page whose envelope is an error must fail the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from emsp_tui.node import EmspNode
from emsp_tui.ocpi.retry import NO_RETRY
from emsp_tui.services.location_pages import PagePreparer, PreparedPage, unpack
from emsp_tui.store.search import SearchQuery, search
from mock_backend.server import MockServer, running_mock

from .conftest import NETWORK, running_node

TABLES = {
    "locations": "SELECT country_code, party_id, id, visible, name, evses_total, evses_unknown,"
    " tariff_ids, text_crc FROM locations ORDER BY country_code, party_id, id",
    "json": "SELECT l.id, j.data FROM locations l JOIN location_json j ON j.pk = l.pk ORDER BY 1",
    "connectors": "SELECT l.id, c.standard, c.power_type, c.available, c.max_kw"
    " FROM location_connectors c JOIN locations l ON l.pk = c.location_pk ORDER BY 1, 2, 3, 4",
    "facets": "SELECT l.id, f.evses_available, f.max_w, f.standards, f.facilities, f.hours_id,"
    " f.energy_price FROM location_facets f JOIN locations l ON l.pk = f.pk ORDER BY 1",
}


async def set_faults(mock: MockServer, *specs: str) -> None:
    async with httpx.AsyncClient() as http:
        reply = await http.post(f"{mock.base_url}/mock/faults", json={"add": list(specs)})
        reply.raise_for_status()


@pytest.fixture
async def twin() -> AsyncIterator[MockServer]:
    """A second network from the same seed (a TOKEN_A registers once): the same data."""
    async with running_mock(NETWORK) as server:
        yield server


@pytest.fixture
async def other_node(tmp_path: Path) -> AsyncIterator[EmspNode]:
    async with running_node(tmp_path / "other") as running:
        yield running


def snapshot(node: EmspNode) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(node.db.path)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        conn.close()


async def test_workers_store_exactly_what_preparing_in_process_stores(
    node: EmspNode, other_node: EmspNode, mock: MockServer, twin: MockServer
) -> None:
    for network in (mock, twin):
        await set_faults(network, "hub:malformed=3")
    await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    await other_node.partners.add(twin.versions_url, twin.token_a, name="hub")
    [in_process] = await node.new_sync(page_limit=40, workers=0).sync_all()
    [in_workers] = await other_node.new_sync(
        page_limit=40, workers=2, min_bytes_for_workers=0
    ).sync_all()
    assert in_process.ok, in_process.error
    assert in_workers.ok, in_workers.error
    ours, theirs = in_process.modules[1], in_workers.modules[1]
    assert (theirs.received, theirs.stored, theirs.total) == (ours.received, ours.stored, 250)
    assert theirs.rejected == ours.rejected
    assert len(ours.rejected) == 1
    assert snapshot(other_node) == snapshot(node)
    query = SearchQuery(near=(52.37, 4.9), connectors=("IEC_62196_T2",), min_kw=11, limit=50)
    ids = [[h.id for h in (await n.db.run(search, query)).hits] for n in (node, other_node)]
    assert ids[0] == ids[1]
    assert ids[0]


@pytest.mark.parametrize(
    ("fault", "error"),
    [("hub:ocpi_error=3001", "3001"), ("hub:truncated", "not JSON")],
    ids=["error envelope", "truncated body"],
)
async def test_a_bad_page_fails_the_partner_as_any_request_would(
    node: EmspNode, mock: MockServer, fault: str, error: str
) -> None:
    """The worker only says the page is not a plain success; asked again the ordinary way,
    it fails with the error the client gives for it, never a crash."""
    await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    await set_faults(mock, fault)
    sync = node.new_sync(page_limit=40, retry=NO_RETRY, workers=1, min_bytes_for_workers=0)
    [result] = await sync.sync_all()
    assert not result.ok
    assert error in (result.error or "")


async def test_a_worker_that_dies_leaves_the_page_to_be_prepared_in_process() -> None:
    body = b'{"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z", "data": []}'
    async with PagePreparer(workers=1, min_bytes=0) as pages:
        first = await pages.prepare(body)  # in process while the worker starts
        assert first == PreparedPage(received=0)
        second = await pages.prepare(body)
        assert isinstance(second, bytes)  # pickled by the worker
        assert unpack(second) == first
        for worker in pages._started:
            worker.kill()
            worker.wait()
        again = await pages.prepare(body)  # answered in process, and no more workers used
        assert again == first
        assert await pages.prepare(body) == first
