"""Locations Receiver: live status pushes at Location, EVSE and Connector depth reach the
store that search reads; unknown targets get 2003; another party's location is refused."""

from __future__ import annotations

from typing import Any

import httpx

from emsp_tui.receiver import ReceiverContext
from emsp_tui.store import locations as store
from emsp_tui.store.message_log import rejection_counts
from tests.ocpi_schemas import validate_response

from .payloads import V, location

URL = f"{V}/locations/DE/VOL/LOC-1"


async def evse_status(ctx: ReceiverContext) -> tuple[str, str] | None:
    """(status in the JSON, status as search sees it: AVAILABLE or not)."""

    def read(conn: Any) -> tuple[str, str] | None:
        row = conn.execute("SELECT max(available) FROM location_connectors").fetchone()
        loc = store.get_location(conn, "DE", "VOL", "LOC-1")
        if not loc or not row or row[0] is None:
            return None
        return (loc.evses or [])[0].status, "AVAILABLE" if row[0] else "CHARGING"

    return await ctx.db.run(read)


async def test_put_then_patches_at_every_depth(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    put = await http.put(URL, json=location(), headers=hub_headers)
    assert put.json()["status_code"] == 1000
    validate_response(put.json(), None)
    assert await evse_status(ctx) == ("AVAILABLE", "AVAILABLE")
    patch = await http.patch(
        f"{URL}/EVSE-1",
        json={"status": "CHARGING", "last_updated": "2026-03-01T10:00:00Z"},
        headers=hub_headers,
    )
    assert patch.json()["status_code"] == 1000
    assert await evse_status(ctx) == ("CHARGING", "CHARGING")
    held = await ctx.db.run(store.get_location, "DE", "VOL", "LOC-1")
    assert held is not None
    assert held.last_updated.hour == 10
    # An older status push does not undo the newer one.
    await http.patch(
        f"{URL}/EVSE-1",
        json={"status": "AVAILABLE", "last_updated": "2026-03-01T09:30:00Z"},
        headers=hub_headers,
    )
    assert await evse_status(ctx) == ("CHARGING", "CHARGING")
    connector = await http.patch(
        f"{URL}/EVSE-1/1",
        json={"max_amperage": 32, "last_updated": "2026-03-01T10:05:00Z"},
        headers=hub_headers,
    )
    assert connector.json()["status_code"] == 1000
    got = await http.get(f"{URL}/EVSE-1/1", headers=hub_headers)
    validate_response(got.json(), "Connector")
    assert got.json()["data"]["max_amperage"] == 32
    name = await http.patch(
        URL, json={"name": "Town hall", "last_updated": "2026-03-01T10:06:00Z"}, headers=hub_headers
    )
    assert name.json()["status_code"] == 1000
    whole = await http.get(URL, headers=hub_headers)
    validate_response(whole.json(), "Location")
    assert whole.json()["data"]["name"] == "Town hall"
    evse = await http.get(f"{URL}/EVSE-1", headers=hub_headers)
    validate_response(evse.json(), "EVSE")


async def test_put_of_an_evse_and_a_connector(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await http.put(URL, json=location(), headers=hub_headers)
    new_evse = {
        **location()["evses"][0],
        "uid": "EVSE-2",
        "evse_id": "DE*VOL*E2",
        "last_updated": "2026-03-01T11:00:00Z",
    }
    answer = await http.put(f"{URL}/EVSE-2", json=new_evse, headers=hub_headers)
    assert answer.json()["status_code"] == 1000
    connector = {
        **location()["evses"][0]["connectors"][0],
        "id": "2",
        "last_updated": "2026-03-01T11:01:00Z",
    }
    answer = await http.put(f"{URL}/EVSE-2/2", json=connector, headers=hub_headers)
    assert answer.json()["status_code"] == 1000
    held = await ctx.db.run(store.get_location, "DE", "VOL", "LOC-1")
    assert held is not None
    assert [(e.uid, [c.id for c in e.connectors]) for e in held.evses or []] == [
        ("EVSE-1", ["1"]),
        ("EVSE-2", ["1", "2"]),
    ]
    wrong_uid = await http.put(f"{URL}/EVSE-3", json=new_evse, headers=hub_headers)
    assert wrong_uid.json()["status_code"] == 2001


async def test_unknown_targets_foreign_parties_and_malformed_pushes(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    cpo_headers: dict[str, str],
    ctx: ReceiverContext,
) -> None:
    unknown = await http.patch(
        f"{URL}/EVSE-1",
        json={"status": "CHARGING", "last_updated": "2026-03-01T10:00:00Z"},
        headers=hub_headers,
    )
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2003)
    validate_response(unknown.json(), None)
    foreign = await http.put(URL, json=location(), headers=cpo_headers)
    assert (foreign.status_code, foreign.json()["status_code"]) == (400, 2001)
    await http.put(URL, json=location(), headers=hub_headers)
    bad_status = await http.patch(
        f"{URL}/EVSE-1",
        json={"status": "BROKEN", "last_updated": "2026-03-01T10:00:00Z"},
        headers=hub_headers,
    )
    no_stamp = await http.patch(f"{URL}/EVSE-1", json={"status": "CHARGING"}, headers=hub_headers)
    missing_field = await http.put(
        URL, json={k: v for k, v in location().items() if k != "city"}, headers=hub_headers
    )
    for answer, named in (
        (bad_status, "status"),
        (no_stamp, "last_updated"),
        (missing_field, "city"),
    ):
        assert (answer.status_code, answer.json()["status_code"]) == (400, 2001)
        assert named in answer.json()["status_message"]
    assert await evse_status(ctx) == ("AVAILABLE", "AVAILABLE")
    counts = {(r.partner_id, r.module): r.rejected for r in await ctx.db.run(rejection_counts)}
    assert counts == {(2, "locations"): 1, (1, "locations"): 3}  # the unknown one is not
