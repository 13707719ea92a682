"""The five commands: sync CommandResponse, async CommandResult at the eMSP's response_url,
and what they set in motion (sessions, reservations, EVSE statuses, CDRs)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from mock_backend.clock import iso_utc
from mock_backend.server import MockServer
from tests.ocpi_schemas import validate, validate_response

from .emsp_stub import EmspStub, Seen, serving
from .helpers import app_token, find_evse, response_url, to


async def send(
    client: httpx.AsyncClient,
    mock: MockServer,
    command: str,
    body: dict[str, Any],
    base: str | None = None,
    **headers: str,
) -> httpx.Response:
    url = f"{base or mock.base_url + '/ocpi/2.2.1'}/commands/{command}"
    return await client.post(url, json=body, headers=headers)


async def result_at(stub: EmspStub, url: str) -> Seen:
    path = httpx.URL(url).path
    seen: Seen = await stub.wait_for(lambda: next(iter(stub.received("POST", path)), None))
    assert seen.authorized
    validate(seen.body, "CommandResult")
    assert "data" not in seen.body
    assert "status_code" not in seen.body
    return seen


async def test_all_five_commands_via_the_hub(via_hub: EmspStub, mock: MockServer) -> None:
    stub = via_hub
    location, evse = find_evse(mock, "REMOTE_START_STOP_CAPABLE", "UNLOCK_CAPABLE", cpo="DE-VOL")
    reserve_location, reserve_evse = find_evse(mock, "RESERVABLE", cpo="FR-BRS")
    auth_ref = str(uuid.uuid4())
    async with stub.client(**to(location)) as client:
        # START_SESSION
        url = response_url(stub.base_url, "START_SESSION")
        answer = await send(
            client,
            mock,
            "START_SESSION",
            {
                "response_url": url,
                "token": app_token(),
                "location_id": location["id"],
                "evse_uid": evse["uid"],
                "authorization_reference": auth_ref,
            },
        )
        validate_response(answer.json(), "CommandResponse")
        assert answer.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
        result = await result_at(stub, url)
        assert result.body == {"result": "ACCEPTED"}
        assert (result.headers["ocpi-from-party-id"], result.headers["ocpi-to-party-id"]) == (
            location["party_id"],
            "TNM",
        )
        put = await stub.wait_for(lambda: next(iter(stub.received("PUT", "/sessions/")), None))
        validate(put.body, "Session")
        session_id = put.body["id"]
        assert put.body["auth_method"] == "COMMAND"
        assert put.body["authorization_reference"] == auth_ref
        assert put.body["evse_uid"] == evse["uid"]
        assert put.body["status"] in ("PENDING", "ACTIVE")
        owner = f"{location['country_code']}/{location['party_id']}"
        assert put.path == f"/ocpi/2.2.1/sessions/{owner}/{session_id}"
        assert stub.seen.index(put) > stub.seen.index(result)  # result first, then the session
        charging = await stub.wait_for(
            lambda: [
                s
                for s in stub.received("PATCH", f"/{evse['uid']}")
                if s.body["status"] == "CHARGING"
            ]
        )
        assert charging

        # STOP_SESSION
        url = response_url(stub.base_url, "STOP_SESSION")
        answer = await send(
            client, mock, "STOP_SESSION", {"response_url": url, "session_id": session_id}
        )
        assert answer.json()["data"]["result"] == "ACCEPTED"
        assert (await result_at(stub, url)).body == {"result": "ACCEPTED"}
        cdr = await stub.wait_for(lambda: next(iter(stub.received("POST", "/cdrs")), None))
        validate(cdr.body, "CDR")
        assert cdr.body["session_id"] == session_id
        assert cdr.body["auth_method"] == "COMMAND"
        completed = [
            s for s in stub.received("PATCH", "/sessions/") if s.body.get("status") == "COMPLETED"
        ]
        assert len(completed) == 1
        assert "end_date_time" in completed[0].body
        validate(completed[0].body, "SessionPatch")
        assert stub.seen.index(completed[0]) < stub.seen.index(cdr)

        # RESERVE_NOW, then CANCEL_RESERVATION
    async with stub.client(**to(reserve_location)) as client:
        url = response_url(stub.base_url, "RESERVE_NOW")
        answer = await send(
            client,
            mock,
            "RESERVE_NOW",
            {
                "response_url": url,
                "token": app_token(),
                "expiry_date": "2099-01-01T00:00:00Z",
                "reservation_id": "R-1",
                "location_id": reserve_location["id"],
                "evse_uid": reserve_evse["uid"],
            },
        )
        assert answer.json()["data"]["result"] == "ACCEPTED"
        assert (await result_at(stub, url)).body == {"result": "ACCEPTED"}
        reserved = await stub.wait_for(
            lambda: next(
                (
                    s
                    for s in stub.received("PUT", "/sessions/")
                    if s.body["status"] == "RESERVATION"
                ),
                None,
            )
        )
        validate(reserved.body, "Session")
        await stub.wait_for(
            lambda: [
                s
                for s in stub.received("PATCH", f"/{reserve_evse['uid']}")
                if s.body["status"] == "RESERVED"
            ]
        )
        url = response_url(stub.base_url, "CANCEL_RESERVATION")
        answer = await send(
            client, mock, "CANCEL_RESERVATION", {"response_url": url, "reservation_id": "R-1"}
        )
        assert answer.json()["data"]["result"] == "ACCEPTED"
        assert (await result_at(stub, url)).body == {"result": "ACCEPTED"}
        ended = await stub.wait_for(
            lambda: [
                s
                for s in stub.received("PATCH", reserved.body["id"])
                if s.body.get("status") == "COMPLETED"
            ]
        )
        assert ended

        # UNLOCK_CONNECTOR
        url = response_url(stub.base_url, "UNLOCK_CONNECTOR")
    async with stub.client(**to(location)) as client:
        answer = await send(
            client,
            mock,
            "UNLOCK_CONNECTOR",
            {
                "response_url": url,
                "location_id": location["id"],
                "evse_uid": evse["uid"],
                "connector_id": evse["connectors"][0]["id"],
            },
        )
        assert answer.json()["data"]["result"] == "ACCEPTED"
        assert (await result_at(stub, url)).body == {"result": "ACCEPTED"}
        # a second cancel of the same reservation: accepted now, UNKNOWN_RESERVATION later
        url = response_url(stub.base_url, "CANCEL_RESERVATION")
    async with stub.client(**to(reserve_location)) as client:
        await send(
            client, mock, "CANCEL_RESERVATION", {"response_url": url, "reservation_id": "R-1"}
        )
        assert (await result_at(stub, url)).body == {"result": "UNKNOWN_RESERVATION"}


async def test_sync_answers_for_bad_commands(via_hub: EmspStub, mock: MockServer) -> None:
    stub = via_hub
    location, evse = find_evse(mock, "REMOTE_START_STOP_CAPABLE")
    async with stub.client(**to(location)) as client:
        unknown = await send(
            client,
            mock,
            "START_SESSION",
            {
                "response_url": response_url(stub.base_url, "x"),
                "token": app_token(),
                "location_id": "DE-VOL-999999",
            },
        )
        assert unknown.status_code == 404
        assert unknown.json()["status_code"] == 2003
        invalid = await send(
            client, mock, "START_SESSION", {"response_url": "x", "location_id": location["id"]}
        )
        assert invalid.status_code == 400
        assert invalid.json()["status_code"] == 2001
        stop = await send(
            client,
            mock,
            "STOP_SESSION",
            {"response_url": response_url(stub.base_url, "x"), "session_id": "no-such-session"},
        )
        assert stop.json()["data"]["result"] == "UNKNOWN_SESSION"
        foreign = await send(
            client,
            mock,
            "START_SESSION",
            {
                "response_url": response_url(stub.base_url, "x"),
                "token": app_token(party=("DE", "ABC")),
                "location_id": location["id"],
                "evse_uid": evse["uid"],
            },
        )
        assert foreign.json()["data"]["result"] == "REJECTED"
        bogus = await send(client, mock, "SELF_DESTRUCT", {})
        assert bogus.status_code == 404


async def test_start_and_stop_peer_to_peer_with_a_cpo(mock: MockServer) -> None:
    """Direct link: the CPO posts the result to the eMSP's own URL with the eMSP's token."""
    location, evse = find_evse(mock, "REMOTE_START_STOP_CAPABLE", cpo="NL-GLP")
    async with serving(EmspStub()) as stub:
        assert (await stub.register_with(mock.cpo_versions_urls["NL-GLP"], mock.token_a)).json()[
            "status_code"
        ] == 1000
        base = mock.cpo_versions_urls["NL-GLP"].removesuffix("/versions") + "/2.2.1"
        async with stub.client(**to(location)) as client:
            url = response_url(stub.base_url, "START_SESSION")
            answer = await send(
                client,
                mock,
                "START_SESSION",
                {
                    "response_url": url,
                    "token": app_token(),
                    "location_id": location["id"],
                    "evse_uid": evse["uid"],
                },
                base=base,
            )
            assert answer.headers["OCPI-from-party-id"] == "GLP"
            assert (await result_at(stub, url)).body == {"result": "ACCEPTED"}
            put = await stub.wait_for(lambda: next(iter(stub.received("PUT", "/sessions/")), None))
            # the eMSP's own list of sessions at the CPO holds it; nobody else's does
            sessions = await client.get(f"{base}/sessions")
            validate_response(sessions.json(), "Session", many=True)
            assert [s["id"] for s in sessions.json()["data"]] == [put.body["id"]]
            async with httpx.AsyncClient() as control:
                finished = await control.post(
                    f"{mock.base_url}/mock/sessions/{put.body['id']}/finish"
                )
                assert finished.json()["result"] == "finished"
            cdr = await stub.wait_for(lambda: next(iter(stub.received("POST", "/cdrs")), None))
            cdrs = await client.get(f"{base}/cdrs")
            validate_response(cdrs.json(), "CDR", many=True)
            assert [c["id"] for c in cdrs.json()["data"]] == [cdr.body["id"]]
        async with serving(EmspStub(party=("DE", "OTH"))) as other:  # another eMSP, via the hub
            await other.register_with(mock.versions_url, mock.token_a)
            async with other.client() as client:
                hub = f"{mock.base_url}/ocpi/2.2.1"
                assert (await client.get(f"{hub}/sessions")).headers["X-Total-Count"] == "0"
                assert (await client.get(f"{hub}/cdrs")).json()["data"] == []


async def test_a_reservation_holds_the_evse_for_its_token_and_expires(
    via_hub: EmspStub, mock: MockServer
) -> None:
    stub = via_hub
    location, evse = find_evse(mock, "RESERVABLE", "REMOTE_START_STOP_CAPABLE", cpo="DE-VOL")
    soon = iso_utc(time.time() + 0.6)

    async def command(name: str, body: dict[str, Any]) -> str:
        url = response_url(stub.base_url, name)
        async with stub.client(**to(location)) as client:
            answer = await send(client, mock, name, {"response_url": url, **body})
        assert answer.json()["data"]["result"] == "ACCEPTED"
        result: str = (await result_at(stub, url)).body["result"]
        return result

    where = {"location_id": location["id"], "evse_uid": evse["uid"]}
    reserve = {"token": app_token(), "expiry_date": soon, "reservation_id": "R-9", **where}
    assert await command("RESERVE_NOW", reserve) == "ACCEPTED"
    other = app_token("APP-0002")
    assert await command("START_SESSION", {"token": other, **where}) == "EVSE_OCCUPIED"
    # it lapses by itself: the reservation session completes, the EVSE is free again
    await stub.wait_for(
        lambda: [
            s for s in stub.received("PATCH", f"/{evse['uid']}") if s.body["status"] == "AVAILABLE"
        ]
    )
    reserved = next(
        s for s in stub.received("PUT", "/sessions/") if s.body["status"] == "RESERVATION"
    )
    assert [s.body["status"] for s in stub.received("PATCH", reserved.body["id"])] == ["COMPLETED"]

    # reserved again, now the holder starts charging on it
    assert (
        await command("RESERVE_NOW", {**reserve, "expiry_date": "2099-01-01T00:00:00Z"})
        == "ACCEPTED"
    )
    assert await command("START_SESSION", {"token": app_token(), **where}) == "ACCEPTED"
    started = await stub.wait_for(
        lambda: [s for s in stub.received("PUT", "/sessions/") if s.body["status"] != "RESERVATION"]
    )
    assert started[0].body["evse_uid"] == evse["uid"]
