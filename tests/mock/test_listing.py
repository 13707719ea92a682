"""SENDER listings and objects over real HTTP: pagination, date filters, routing headers."""

from __future__ import annotations

import time
from typing import Any

import httpx

from mock_backend.clock import iso_utc
from mock_backend.server import MockServer
from tests.ocpi_schemas import validate, validate_headers_paginated, validate_response

from .emsp_stub import EmspStub


async def crawl(
    client: httpx.AsyncClient, url: str, schema: str
) -> tuple[list[dict[str, Any]], int, list[str]]:
    """Follow Link to the end; -> (objects, X-Total-Count of the first page, page URLs)."""
    objects: list[dict[str, Any]] = []
    pages: list[str] = []
    total = None
    next_url: str | None = url
    while next_url:
        pages.append(next_url)
        answer = await client.get(next_url)
        assert answer.status_code == 200, answer.text
        validate_response(answer.json(), schema, many=True)
        headers = validate_headers_paginated(answer.headers)
        total = headers.total_count if total is None else total
        objects += answer.json()["data"]
        next_url = headers.next_url
        assert len(pages) < 500
    assert total is not None
    return objects, total, pages


async def test_full_listing_via_the_hub_follows_link_to_exactly_x_total_count(
    via_hub: EmspStub, mock: MockServer
) -> None:
    async with via_hub.client() as client:
        objects, total, pages = await crawl(
            client, f"{mock.base_url}/ocpi/2.2.1/locations?limit=40", "Location"
        )
    ids = [o["id"] for o in objects]
    assert total == 300 == len(ids) == len(set(ids))
    assert len(pages) == 8
    assert pages[1].startswith(f"{mock.base_url}/ocpi/2.2.1/locations?")
    assert "limit=40" in pages[1]
    stamps = [o["last_updated"] for o in objects]
    assert stamps == sorted(stamps)  # oldest first
    assert {o["country_code"] for o in objects} == {"DE", "NL", "FR", "BE"}


async def test_a_cpo_lists_its_own_locations_directly(mock: MockServer, stub: EmspStub) -> None:
    answer = await stub.register_with(mock.cpo_versions_urls["BE-FLC"], mock.token_a)
    assert answer.json()["status_code"] == 1000
    async with stub.client() as client:
        url = f"{mock.base_url}/ocpi/cpo/be-flc/2.2.1/locations"
        objects, total, _ = await crawl(client, url, "Location")
        first = await client.get(url)
    expected = mock.world.network.count(mock.world.network.cpo_no("BE-FLC"))
    assert total == len(objects) == len({o["id"] for o in objects}) == expected
    assert {(o["country_code"], o["party_id"]) for o in objects} == {("BE", "FLC")}
    assert first.headers["X-Limit"] == "1000"
    assert len(first.json()["data"]) == min(100, expected)
    assert first.headers["OCPI-from-party-id"] == "FLC"
    assert first.headers["OCPI-to-party-id"] == "TNM"


async def test_date_from_after_changes_returns_only_the_changed_locations(
    via_hub: EmspStub, mock: MockServer
) -> None:
    since = iso_utc(int(time.time() * 1000) / 1000)
    async with httpx.AsyncClient() as control:
        changed = (await control.post(f"{mock.base_url}/mock/changes", json={"count": 12})).json()[
            "changed"
        ]
    assert len(changed) == 12
    async with via_hub.client() as client:
        url = f"{mock.base_url}/ocpi/2.2.1/locations"
        newer, total, pages = await crawl(client, f"{url}?date_from={since}&limit=5", "Location")
        older = await client.get(url, params={"date_to": since, "limit": 1})
    assert sorted(o["id"] for o in newer) == sorted(changed)
    assert total == 12
    assert all(f"date_from={since}".replace(":", "%3A") in p for p in pages[1:])
    assert all(o["last_updated"] >= since for o in newer)
    assert older.headers["X-Total-Count"] == str(300 - 12)
    # Each change was also pushed to the eMSP as an EVSE PATCH (via the hub: FROM the hub).
    patches = await via_hub.wait_for(
        lambda: (
            len(via_hub.received("PATCH", "/locations/")) >= 12
            and via_hub.received("PATCH", "/locations/")
        )
    )
    for seen in patches:
        assert seen.authorized
        validate(seen.body, "EVSEPartial")
        assert set(seen.body) == {"status", "last_updated"}
        assert seen.headers["ocpi-from-party-id"] == "RMH"
        assert seen.headers["ocpi-to-party-id"] == "TNM"
    assert {s.path.split("/")[6] for s in patches} == set(changed)


async def test_objects_at_location_evse_and_connector_depth(
    via_hub: EmspStub, mock: MockServer
) -> None:
    location = mock.world.network.location(0, 3)
    evse = location["evses"][0]
    connector = evse["connectors"][-1]
    base = f"{mock.base_url}/ocpi/2.2.1/locations/{location['id']}"
    async with via_hub.client() as client:
        whole = await client.get(base)
        validate_response(whole.json(), "Location")
        assert whole.json()["data"] == location
        assert whole.headers["OCPI-from-party-id"] == "VOL"  # open routing: the owner answered
        got_evse = await client.get(f"{base}/{evse['uid']}")
        validate_response(got_evse.json(), "EVSE")
        got_conn = await client.get(f"{base}/{evse['uid']}/{connector['id']}/")  # trailing slash
        validate_response(got_conn.json(), "Connector")
        assert got_conn.json()["data"] == connector
        for path in (
            "/ocpi/2.2.1/locations/DE-VOL-999999",
            f"/ocpi/2.2.1/locations/{location['id']}/NOPE",
        ):
            missing = await client.get(mock.base_url + path)
            assert missing.status_code == 404
            assert missing.json()["status_code"] == 2003


async def test_tariffs_and_hubclientinfo_via_the_hub(via_hub: EmspStub, mock: MockServer) -> None:
    async with via_hub.client() as client:
        tariffs, total, _ = await crawl(
            client, f"{mock.base_url}/ocpi/2.2.1/tariffs?limit=10", "Tariff"
        )
        infos, _, _ = await crawl(client, f"{mock.base_url}/ocpi/2.2.1/hubclientinfo", "ClientInfo")
        hub_answer = await client.get(f"{mock.base_url}/ocpi/2.2.1/hubclientinfo")
    assert total == len(tariffs) == 32
    assert {(i["country_code"], i["party_id"], i["role"], i["status"]) for i in infos} == {
        ("DE", "VOL", "CPO", "CONNECTED"),
        ("NL", "GLP", "CPO", "CONNECTED"),
        ("FR", "BRS", "CPO", "CONNECTED"),
        ("BE", "FLC", "CPO", "CONNECTED"),
        ("NL", "TNM", "EMSP", "CONNECTED"),
    }
    assert "OCPI-from-country-code" not in hub_answer.headers  # configuration module
    pushed = await via_hub.wait_for(
        lambda: (
            len(via_hub.received("PUT", "/hubclientinfo/")) >= 4
            and via_hub.received("PUT", "/hubclientinfo/")
        )
    )
    for seen in pushed:
        validate(seen.body, "ClientInfo")
        assert "ocpi-to-party-id" not in seen.headers


async def test_ocpi_to_routes_the_hub_and_ids_are_echoed(
    via_hub: EmspStub, mock: MockServer
) -> None:
    url = f"{mock.base_url}/ocpi/2.2.1/locations"
    async with via_hub.client(
        **{"OCPI-to-country-code": "FR", "OCPI-to-party-id": "BRS"}
    ) as client:
        answer = await client.get(
            url, headers={"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
        )
    assert {(o["country_code"], o["party_id"]) for o in answer.json()["data"]} == {("FR", "BRS")}
    assert answer.headers["X-Request-ID"] == "req-1"
    assert answer.headers["X-Correlation-ID"] == "corr-1"
    assert (answer.headers["OCPI-from-country-code"], answer.headers["OCPI-from-party-id"]) == (
        "FR",
        "BRS",
    )
    async with via_hub.client(
        **{"OCPI-to-country-code": "XX", "OCPI-to-party-id": "NOP"}
    ) as client:
        unknown = await client.get(url)
    assert unknown.json()["status_code"] == 4001
    validate_response(unknown.json(), None)
