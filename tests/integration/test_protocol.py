"""Our client against the mock over real HTTP: paging, date_from, commands, error mapping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emsp_tui.node import EmspNode
from emsp_tui.ocpi.client import OcpiClient
from emsp_tui.ocpi.enums import CommandResponseType, CommandType
from emsp_tui.ocpi.errors import InvalidParametersError, UnknownLocationError
from emsp_tui.ocpi.models import EVSE, CommandResult, Location, Token
from emsp_tui.ocpi.wire import Routing
from emsp_tui.receiver.server import ReceiverServer
from emsp_tui.store.partners import Partner
from mock_backend.server import MockServer


@pytest.fixture
async def hub(node: EmspNode, mock: MockServer) -> Partner:
    return await node.partners.add(mock.versions_url, mock.token_a, name="hub")


async def test_paginated_listing_returns_exactly_the_total(hub: Partner) -> None:
    url = hub.endpoint("locations", "SENDER") or ""
    ids: list[tuple[str, str, str]] = []
    totals: set[int | None] = set()
    pages = 0
    async with OcpiClient(hub.token_out or "") as client:
        async for page in client.iter_objects(url, Location, limit=40):
            pages += 1
            totals.add(page.page.total_count)
            assert not page.rejected
            ids += [(loc.country_code, loc.party_id, loc.id) for loc in page.valid]
    assert totals == {250}
    assert pages == 7  # 250 / 40, rounded up
    assert len(ids) == 250
    assert len(set(ids)) == 250  # no duplicates
    assert {cc for cc, _, _ in ids} == {"DE", "NL", "FR", "BE"}


async def test_date_from_returns_only_what_changed(hub: Partner, mock: MockServer) -> None:
    url = hub.endpoint("locations", "SENDER") or ""
    before = datetime.now(UTC)
    await asyncio.sleep(0.01)
    async with httpx.AsyncClient() as http:
        changed = (await http.post(f"{mock.base_url}/mock/changes", json={"count": 5})).json()
    async with OcpiClient(hub.token_out or "") as client:
        fresh = [
            loc
            async for page in client.iter_objects(url, Location, date_from=before)
            for loc in page.valid
        ]
    assert len(fresh) == 5
    assert all(loc.last_updated >= before for loc in fresh)
    assert changed  # the control API says what it changed
    # date_to excludes them again.
    async with OcpiClient(hub.token_out or "") as client:
        old = [
            loc
            async for page in client.iter_objects(url, Location, date_to=before, limit=1000)
            for loc in page.valid
        ]
    assert len(old) == 245


async def test_error_envelopes_map_to_exceptions(hub: Partner) -> None:
    url = hub.endpoint("locations", "SENDER") or ""
    routing = Routing("NL", "EMS", "DE", "VOL")
    async with OcpiClient(hub.token_out or "") as client:
        with pytest.raises(UnknownLocationError) as unknown:
            await client.get(f"{url}/NO-SUCH-LOCATION", routing=routing)
        assert unknown.value.status_code == 2003
        with pytest.raises(InvalidParametersError):
            await client.get(url, params={"date_from": "yesterday"})
        with pytest.raises(InvalidParametersError):
            await client.get(url, params={"limit": "-3"})


@pytest.fixture
async def results() -> AsyncIterator[tuple[str, asyncio.Queue[tuple[str, CommandResult]]]]:
    """A response_url endpoint of our own on a real socket, collecting CommandResults."""
    queue: asyncio.Queue[tuple[str, CommandResult]] = asyncio.Queue()

    async def receive(request: Request) -> JSONResponse:
        result = CommandResult.model_validate(await request.json())
        await queue.put((request.path_params["uid"], result))
        return JSONResponse(
            {"status_code": 1000, "timestamp": datetime.now(UTC).isoformat()[:19] + "Z"}
        )

    app = Starlette(routes=[Route("/results/{uid}", receive, methods=["POST"])])
    server = ReceiverServer(app, port=0)  # type: ignore[arg-type]
    await server.start()
    try:
        yield server.base_url, queue
    finally:
        await server.stop()


async def test_every_command_reaches_its_async_result(
    hub: Partner,
    mock: MockServer,
    results: tuple[str, asyncio.Queue[tuple[str, CommandResult]]],
) -> None:
    base, queue = results
    commands_url = hub.endpoint("commands", "RECEIVER") or ""
    locations_url = hub.endpoint("locations", "SENDER") or ""
    routing = Routing("NL", "EMS", "DE", "VOL")
    now = datetime.now(UTC)
    token = Token(
        country_code="NL",
        party_id="EMS",
        uid="CMD0001",
        type="APP_USER",
        contract_id="NL-EMS-C00000001-5",
        issuer="Open eMSP",
        valid=True,
        whitelist="NEVER",
        last_updated=now,
    )
    async with OcpiClient(hub.token_out or "") as client:
        startable = await _find_evse(client, locations_url, "REMOTE_START_STOP_CAPABLE")
        reservable = await _find_evse(client, locations_url, "RESERVABLE")
        loc, evse = startable
        res_loc, res_evse = reservable
        bodies = {
            CommandType.START_SESSION: {
                "token": token.to_ocpi(),
                "location_id": loc.id,
                "evse_uid": evse.uid,
                "connector_id": evse.connectors[0].id,
                "authorization_reference": "REF-1",
            },
            CommandType.RESERVE_NOW: {
                "token": token.to_ocpi(),
                "location_id": res_loc.id,
                "evse_uid": res_evse.uid,
                "reservation_id": "RES-1",
                "expiry_date": "2099-01-01T00:00:00Z",
            },
            CommandType.CANCEL_RESERVATION: {"reservation_id": "RES-1"},
            CommandType.UNLOCK_CONNECTOR: {
                "location_id": loc.id,
                "evse_uid": evse.uid,
                "connector_id": evse.connectors[0].id,
            },
        }
        for kind, body in bodies.items():
            uid = f"{kind.value.lower()}-1"
            response = await client.send_command(
                commands_url,
                kind,
                {**body, "response_url": f"{base}/results/{uid}"},
                routing=routing,
            )
            assert response.result == CommandResponseType.ACCEPTED, (kind, response)
            got_uid, result = await asyncio.wait_for(queue.get(), timeout=10)
            assert got_uid == uid
            assert result.result in ("ACCEPTED", "CANCELED_RESERVATION"), (kind, result)

        # STOP_SESSION needs the session the START created.
        async with httpx.AsyncClient() as http:
            state = (await http.get(f"{mock.base_url}/mock/state")).json()
        session_ids = [s["id"] for s in state["sessions"] if s["evse_uid"] == evse.uid]
        assert session_ids, state
        response = await client.send_command(
            commands_url,
            CommandType.STOP_SESSION,
            {"session_id": session_ids[0], "response_url": f"{base}/results/stop-1"},
            routing=routing,
        )
        assert response.result == CommandResponseType.ACCEPTED
        got_uid, result = await asyncio.wait_for(queue.get(), timeout=10)
        assert (got_uid, result.result) == ("stop-1", "ACCEPTED")


async def _find_evse(client: OcpiClient, url: str, capability: str) -> tuple[Location, EVSE]:
    """An AVAILABLE EVSE of DE*VOL with ``capability``."""
    async for page in client.iter_objects(url, Location, limit=250):
        for loc in page.valid:
            for evse in loc.evses or []:
                if (
                    loc.party_id == "VOL"
                    and evse.status == "AVAILABLE"
                    and capability in (evse.capabilities or [])
                ):
                    return loc, evse
    raise AssertionError(f"no available {capability} EVSE at DE*VOL in the seeded network")
