"""Injected faults behave as configured, directly and through the hub."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import httpx
import pytest

from mock_backend import running_mock
from mock_backend.faults import FaultError, parse_fault
from mock_backend.server import MockServer
from tests.ocpi_schemas import validate, validate_response

from .conftest import fast_config
from .emsp_stub import EmspStub, Seen, serving
from .helpers import app_token, find_evse, response_url, to

KEYS = ["hub", "DE-VOL", "NL-GLP", "FR-BRS", "BE-FLC"]


def first_post(stub: EmspStub, path: str) -> Seen | None:
    return next(iter(stub.received("POST", path)), None)


DE_VOL = {"OCPI-to-country-code": "DE", "OCPI-to-party-id": "VOL"}


async def set_faults(mock: MockServer, *add: str, clear: bool = True) -> dict[str, Any]:
    async with httpx.AsyncClient() as control:
        answer = await control.post(
            f"{mock.base_url}/mock/faults", json={"clear": clear, "add": list(add)}
        )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_fault_specs_parse_and_bad_ones_are_explained() -> None:
    assert str(parse_fault("de-vol:latency=1.5", KEYS)) == "DE-VOL:latency=1.5"
    assert parse_fault("hub:http5xx", KEYS).value == 503
    assert parse_fault("all:command_result=none", KEYS) == parse_fault(
        "ALL:command-result=NONE", KEYS
    )
    assert parse_fault("FR-BRS:command_result=evse_occupied", KEYS).value == "EVSE_OCCUPIED"
    for bad in (
        "DE-VOL",
        "XX-YYY:latency",
        "DE-VOL:teleport",
        "DE-VOL:http5xx=404",
        "DE-VOL:flaky=2",
        "DE-VOL:offline=1",
        "DE-VOL:command_result=MAYBE",
    ):
        with pytest.raises(FaultError):
            parse_fault(bad, KEYS)


async def test_http_5xx_directly_and_4000_through_the_hub(
    via_hub: EmspStub, mock: MockServer
) -> None:
    listed = await set_faults(mock, "DE-VOL:http5xx=502")
    assert listed["faults"] == ["DE-VOL:http5xx=502"]
    async with serving(EmspStub()) as direct:
        await direct.register_with(mock.cpo_versions_urls["DE-VOL"], mock.token_a)
        async with direct.client() as client:
            broken = await client.get(f"{mock.base_url}/ocpi/cpo/de-vol/2.2.1/locations")
            assert broken.status_code == 502
            assert "html" in broken.headers["content-type"]
            # configuration modules are never faulted
            assert (await client.get(mock.cpo_versions_urls["DE-VOL"])).status_code == 200
    async with via_hub.client() as client:
        hub = await client.get(f"{mock.base_url}/ocpi/2.2.1/locations", headers=DE_VOL)
        assert hub.status_code == 200
        assert hub.json()["status_code"] == 4000
        validate_response(hub.json(), None)
        fine = await client.get(
            f"{mock.base_url}/ocpi/2.2.1/locations",
            headers={"OCPI-to-country-code": "NL", "OCPI-to-party-id": "GLP"},
        )
        assert fine.json()["status_code"] == 1000
    await set_faults(mock)  # cleared
    async with via_hub.client() as client:
        assert (await client.get(f"{mock.base_url}/ocpi/2.2.1/locations", headers=DE_VOL)).json()[
            "status_code"
        ] == 1000


async def test_latency_outlasts_a_short_client_timeout(via_hub: EmspStub, mock: MockServer) -> None:
    await set_faults(mock, "hub:latency=1.0")
    async with via_hub.client() as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{mock.base_url}/ocpi/2.2.1/tariffs", timeout=0.3)
        await set_faults(mock)
        answer = await client.get(f"{mock.base_url}/ocpi/2.2.1/tariffs", timeout=5)
        assert answer.json()["status_code"] == 1000


async def test_a_cpo_slower_than_the_hub_timeout_is_4002() -> None:
    config = fast_config(hub_timeout=0.2, faults=["DE-VOL:timeout=30"])
    async with running_mock(config) as mock, serving(EmspStub()) as stub:
        await stub.register_with(mock.versions_url, mock.token_a)
        async with stub.client() as client:
            answer = await client.get(f"{mock.base_url}/ocpi/2.2.1/locations", headers=DE_VOL)
    assert answer.json()["status_code"] == 4002


async def test_a_malformed_object_sits_at_its_position_in_every_page(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await set_faults(mock, "hub:malformed=3")
    async with via_hub.client() as client:
        page = (
            await client.get(f"{mock.base_url}/ocpi/2.2.1/locations", params={"limit": 10})
        ).json()["data"]
        later = (
            await client.get(
                f"{mock.base_url}/ocpi/2.2.1/locations", params={"offset": 2, "limit": 3}
            )
        ).json()["data"]
    for n, location in enumerate(page):
        if n == 3:
            with pytest.raises(AssertionError, match="address"):
                validate(location, "Location")
            assert isinstance(location["coordinates"]["latitude"], float)
        else:
            validate(location, "Location")
    assert later[1]["id"] == page[3]["id"]
    assert "address" not in later[1]


async def test_ocpi_errors_truncated_bodies_rate_limits_and_flaky(
    via_hub: EmspStub, mock: MockServer
) -> None:
    url = f"{mock.base_url}/ocpi/2.2.1/tariffs"
    async with via_hub.client() as client:
        await set_faults(mock, "hub:ocpi_error=3000")
        answer = await client.get(url)
        assert answer.status_code == 200
        assert answer.json()["status_code"] == 3000
        await set_faults(mock, "hub:truncated")
        cut = await client.get(url)
        with pytest.raises(json.JSONDecodeError):
            json.loads(cut.content)
        await set_faults(mock, "hub:rate_limit")
        limited = await client.get(url)
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "2"
        await set_faults(mock, "hub:flaky=1.0")
        assert (await client.get(url)).status_code == 503


async def test_offline_cpo_shows_in_hubclientinfo_and_gives_4003(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await via_hub.wait_for(lambda: len(via_hub.received("PUT", "/hubclientinfo/")) >= 4)
    await set_faults(mock, "BE-FLC:offline")
    pushed = await via_hub.wait_for(
        lambda: [
            s
            for s in via_hub.received("PUT", "/hubclientinfo/BE/FLC")
            if s.body["status"] == "OFFLINE"
        ]
    )
    validate(pushed[0].body, "ClientInfo")
    async with via_hub.client() as client:
        infos = (await client.get(f"{mock.base_url}/ocpi/2.2.1/hubclientinfo")).json()["data"]
        assert {(i["party_id"], i["status"]) for i in infos if i["role"] == "CPO"} == {
            ("VOL", "CONNECTED"),
            ("GLP", "CONNECTED"),
            ("BRS", "CONNECTED"),
            ("FLC", "OFFLINE"),
        }
        answer = await client.get(
            f"{mock.base_url}/ocpi/2.2.1/locations",
            headers={"OCPI-to-country-code": "BE", "OCPI-to-party-id": "FLC"},
        )
        assert answer.json()["status_code"] == 4003


async def test_command_results_can_be_forced_or_withheld(
    via_hub: EmspStub, mock: MockServer
) -> None:
    stub = via_hub
    location, evse = find_evse(mock, "REMOTE_START_STOP_CAPABLE", cpo="DE-VOL")
    url_of = {}
    async with stub.client(**to(location)) as client:
        for result in ("EVSE_OCCUPIED", "NONE", "REJECTED"):
            await set_faults(mock, f"DE-VOL:command_result={result}")
            url_of[result] = response_url(stub.base_url, "START_SESSION")
            answer = await client.post(
                f"{mock.base_url}/ocpi/2.2.1/commands/START_SESSION",
                json={
                    "response_url": url_of[result],
                    "token": app_token(),
                    "location_id": location["id"],
                    "evse_uid": evse["uid"],
                },
            )
            assert answer.json()["data"]["result"] == "ACCEPTED"  # the sync answer is unaffected
            if result != "NONE":
                path = httpx.URL(url_of[result]).path
                seen = await stub.wait_for(partial(first_post, stub, path))
                assert seen.body == {"result": result}
    # Results travel in order, so REJECTED having arrived means NONE's would have too.
    assert not stub.received("POST", httpx.URL(url_of["NONE"]).path)
    assert not stub.received("PUT", "/sessions/")  # no session started under these faults


async def test_bad_faults_via_the_control_api_are_400(mock: MockServer) -> None:
    async with httpx.AsyncClient() as control:
        answer = await control.post(f"{mock.base_url}/mock/faults", json={"add": ["DE-VOL:warp=9"]})
        assert answer.status_code == 400
        assert "unknown kind" in answer.json()["error"]
        listed = await control.get(f"{mock.base_url}/mock/faults")
        assert listed.json()["faults"] == []
        assert "malformed" in listed.json()["kinds"]
