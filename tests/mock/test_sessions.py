"""Tokens pushed to the CPOs, card taps (whitelist or real-time authorisation), and a session
running by itself: PUT, PATCHes with appended periods, COMPLETED, CDR, EVSE statuses."""

from __future__ import annotations

from typing import Any

import httpx

from mock_backend.server import MockServer
from tests.ocpi_schemas import validate, validate_response

from .emsp_stub import EmspStub
from .helpers import app_token, find_evse


def rfid(uid: str, whitelist: str, **extra: Any) -> dict[str, Any]:
    return app_token(uid, type="RFID", whitelist=whitelist, visual_number=f"TNM-{uid}", **extra)


async def tap(
    mock: MockServer, uid: str, location: dict[str, Any], evse: dict[str, Any]
) -> dict[str, Any]:
    async with httpx.AsyncClient() as control:
        answer = await control.post(
            f"{mock.base_url}/mock/tap",
            json={
                "token_uid": uid,
                "type": "RFID",
                "location_id": location["id"],
                "evse_uid": evse["uid"],
            },
        )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_token_push_is_broadcast_to_every_cpo_and_patchable(
    via_hub: EmspStub, mock: MockServer
) -> None:
    url = f"{mock.base_url}/ocpi/2.2.1/tokens/NL/TNM/CARD01"
    async with via_hub.client() as client:
        put = await client.put(url, params={"type": "RFID"}, json=rfid("CARD01", "ALWAYS"))
        assert put.status_code == 201
        assert put.json()["status_code"] == 1000
        for cc, pid in (("DE", "VOL"), ("NL", "GLP"), ("FR", "BRS"), ("BE", "FLC")):
            got = await client.get(
                url, headers={"OCPI-to-country-code": cc, "OCPI-to-party-id": pid}
            )
            validate_response(got.json(), "Token")
            assert got.json()["data"]["uid"] == "CARD01"
            assert got.headers["OCPI-from-party-id"] == pid
        patch = await client.patch(
            url, json={"valid": False, "last_updated": "2026-02-01T00:00:00Z"}
        )
        assert patch.json()["status_code"] == 1000
        again = await client.get(
            url, headers={"OCPI-to-country-code": "FR", "OCPI-to-party-id": "BRS"}
        )
        assert again.json()["data"]["valid"] is False
        assert again.json()["data"]["whitelist"] == "ALWAYS"  # PATCH keeps what it did not send


async def test_tap_with_a_whitelisted_token_starts_and_the_session_runs_to_a_cdr(
    via_hub: EmspStub, mock: MockServer
) -> None:
    stub = via_hub
    location, evse = find_evse(mock, "RFID_READER", cpo="DE-VOL")
    async with stub.client() as client:
        await client.put(
            f"{mock.base_url}/ocpi/2.2.1/tokens/NL/TNM/CARD02", json=rfid("CARD02", "ALWAYS")
        )
    started = await tap(mock, "CARD02", location, evse)
    assert started["result"] == "started"
    assert started["auth_method"] == "WHITELIST"
    assert started["decided_by"] == "cpo"
    assert not stub.received("POST", "/authorize")  # the CPO's copy was enough
    session_id = started["session_id"]

    # PUT first, then PATCHes every push interval with closed periods appended.
    put = await stub.wait_for(lambda: next(iter(stub.received("PUT", session_id)), None))
    validate(put.body, "Session")
    assert put.body["auth_method"] == "WHITELIST"
    assert put.body["cdr_token"]["uid"] == "CARD02"
    patches = await stub.wait_for(
        lambda: len(stub.received("PATCH", session_id)) >= 2 and stub.received("PATCH", session_id)
    )
    for seen in patches:
        validate(seen.body, "SessionPatch")
        assert "last_updated" in seen.body
    kwh = [s.body["kwh"] for s in patches]
    assert kwh == sorted(kwh)
    assert kwh[-1] > 0

    async with httpx.AsyncClient() as control:
        finished = await control.post(f"{mock.base_url}/mock/sessions/{session_id}/finish")
        assert finished.status_code == 200
        assert (
            await control.post(f"{mock.base_url}/mock/sessions/{session_id}/finish")
        ).status_code == 404
    cdr = await stub.wait_for(lambda: next(iter(stub.received("POST", "/cdrs")), None))
    validate(cdr.body, "CDR")
    final = [s for s in stub.received("PATCH", session_id) if s.body.get("status") == "COMPLETED"]
    assert len(final) == 1
    pushed_periods = [
        p for s in stub.received("PATCH", session_id) for p in s.body.get("charging_periods", [])
    ]
    assert [p["start_date_time"] for p in pushed_periods] == sorted(
        {p["start_date_time"] for p in pushed_periods}
    )
    assert cdr.body["total_energy"] >= kwh[-1]
    evse_path = f"/locations/DE/VOL/{location['id']}/{evse['uid']}"
    statuses = [s.body["status"] for s in stub.received("PATCH", evse_path)]
    assert statuses == ["CHARGING", "AVAILABLE"]

    # The hub's session and CDR lists hold them (the eMSP's own tokens only).
    async with stub.client() as client:
        sessions = await client.get(f"{mock.base_url}/ocpi/2.2.1/sessions")
        cdrs = await client.get(f"{mock.base_url}/ocpi/2.2.1/cdrs")
    validate_response(sessions.json(), "Session", many=True)
    validate_response(cdrs.json(), "CDR", many=True)
    assert [s["status"] for s in sessions.json()["data"]] == ["COMPLETED"]
    assert [c["id"] for c in cdrs.json()["data"]] == [cdr.body["id"]]
    async with httpx.AsyncClient() as control:
        state = await control.get(f"{mock.base_url}/mock/state")
    assert (
        state.json()["cdrs"][0]["location"] == f"{stub.base_url}/ocpi/2.2.1/cdrs/{cdr.body['id']}"
    )


async def test_tap_asks_the_emsp_in_real_time_for_unknown_and_never_tokens(
    via_hub: EmspStub, mock: MockServer
) -> None:
    stub = via_hub
    stub.authorize.update({"CARD10": "ALLOWED", "CARD11": "BLOCKED", "CARD12": "ALLOWED"})
    location, evse = find_evse(mock, "RFID_READER", cpo="NL-GLP")
    other_location, other_evse = find_evse(mock, "RFID_READER", cpo="FR-BRS")

    started = await tap(mock, "CARD10", location, evse)  # unknown to the CPO: ask
    assert started["result"] == "started"
    assert started["auth_method"] == "AUTH_REQUEST"
    assert started["authorization_reference"] == "AUTH-CARD10"
    asked = stub.received("POST", "/tokens/CARD10/authorize")[0]
    validate(asked.body, "LocationReferences")
    assert asked.body == {"location_id": location["id"], "evse_uids": [evse["uid"]]}
    assert asked.query == "type=RFID"
    assert asked.authorized
    assert asked.headers["ocpi-from-party-id"] == "GLP"

    blocked = await tap(mock, "CARD11", other_location, other_evse)
    assert blocked["result"] == "refused"
    assert blocked["allowed"] == "BLOCKED"
    unknown = await tap(mock, "CARD99", other_location, other_evse)
    assert unknown["result"] == "refused"
    assert "unknown token" in unknown["reason"]

    async with stub.client() as client:  # NEVER: the CPO has a copy but must still ask
        await client.put(
            f"{mock.base_url}/ocpi/2.2.1/tokens/NL/TNM/CARD12", json=rfid("CARD12", "NEVER")
        )
    asked_before = len(stub.received("POST", "/authorize"))
    again = await tap(mock, "CARD12", other_location, other_evse)
    assert again["result"] == "started"
    assert again["decided_by"] == "emsp"
    assert len(stub.received("POST", "/authorize")) == asked_before + 1

    busy = await tap(mock, "CARD10", location, evse)  # the EVSE is charging now
    assert busy["result"] == "refused"
    assert "CHARGING" in busy["reason"]
