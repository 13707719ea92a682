"""Status codes for bad requests, and the guard that keeps the server answering (ASGI only)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mock_backend import cpo_api
from mock_backend.peers import Peer
from mock_backend.server import MockServer
from tests.ocpi_schemas import validate_headers_paginated, validate_response

from .conftest import fast_config
from .emsp_stub import auth
from .helpers import app_token

BASE = "http://mock.test"


@pytest.fixture
async def asgi() -> AsyncIterator[tuple[httpx.AsyncClient, MockServer]]:
    """A mock served in-process; one eMSP (NL-TNM) registered with the hub and with DE-VOL."""
    server = MockServer(fast_config(locations=2500))
    world = server.world
    world.base_url = BASE
    for node in (world.hub, world.cpo_nodes[0]):
        node.peers["tok-c"] = Peer(
            token_in="tok-c",
            token_out="tok-b",
            versions_url="http://emsp.test/versions",
            version_url="http://emsp.test/2.2.1",
            endpoints={},
            registered_at=0.0,
            roles=[
                {
                    "role": "EMSP",
                    "country_code": "NL",
                    "party_id": "TNM",
                    "business_details": {"name": "TestNet"},
                }
            ],
        )
    transport = httpx.ASGITransport(app=server.app)
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE, headers=auth("tok-c")
    ) as client:
        yield client, server
    await world.close()


async def expect(answer: httpx.Response, http_status: int, code: int) -> None:
    assert answer.status_code == http_status, answer.text
    assert answer.json()["status_code"] == code, answer.text
    validate_response(answer.json(), None)


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "yesterday"},
        {"date_to": "2026-13-01T00:00:00Z"},
        {"limit": "ten"},
        {"limit": "0"},
        {"limit": "-5"},
        {"offset": "-1"},
        {"offset": "1.5"},
    ],
)
async def test_bad_pagination_parameters_are_2001(
    asgi: tuple[httpx.AsyncClient, MockServer], query: dict[str, str]
) -> None:
    client, _ = asgi
    await expect(await client.get("/ocpi/2.2.1/locations", params=query), 400, 2001)


async def test_limit_is_capped_and_link_repeats_filters(
    asgi: tuple[httpx.AsyncClient, MockServer],
) -> None:
    client, _ = asgi
    answer = await client.get(
        "/ocpi/2.2.1/locations", params={"limit": 5000, "date_from": "2025-01-01T00:00:00"}
    )
    headers = validate_headers_paginated(answer.headers, expect_next=True)
    assert len(answer.json()["data"]) == 1000
    assert headers.limit == 1000
    assert headers.total_count == 2500
    assert headers.next_url == (
        f"{BASE}/ocpi/2.2.1/locations?date_from=2025-01-01T00%3A00%3A00&offset=1000&limit=1000"
    )
    last = await client.get(headers.next_url.replace("offset=1000", "offset=2000"))
    validate_headers_paginated(last.headers, expect_next=False)
    assert len(last.json()["data"]) == 500
    default = await client.get("/ocpi/2.2.1/tariffs")
    assert default.headers["X-Limit"] == "1000"
    assert "Link" not in default.headers


async def test_unknown_objects_are_404_with_their_codes(
    asgi: tuple[httpx.AsyncClient, MockServer],
) -> None:
    client, _ = asgi
    await expect(await client.get("/ocpi/2.2.1/locations/NL-GLP-999999"), 404, 2003)
    await expect(
        await client.get("/ocpi/cpo/de-vol/2.2.1/locations/NL-GLP-000001"), 404, 2003
    )  # not this CPO's
    await expect(await client.get("/ocpi/cpo/de-vol/2.2.1/tokens/NL/TNM/NOPE"), 404, 2004)
    await expect(await client.get("/ocpi/2.2.1/nosuchmodule"), 404, 2000)
    await expect(await client.get("/ocpi/cpo/xx-yyy/versions"), 404, 2000)


async def test_token_receiver_rejects_bad_pushes_with_2001(
    asgi: tuple[httpx.AsyncClient, MockServer],
) -> None:
    client, _ = asgi
    url = "/ocpi/cpo/de-vol/2.2.1/tokens/NL/TNM/APP-0001"
    await expect(
        await client.put(url, params={"type": "APP_USER"}, json=app_token("OTHER-UID")), 400, 2001
    )
    await expect(await client.put(url, json=app_token()), 400, 2001)  # type defaults to RFID
    await expect(
        await client.put(url, params={"type": "APP_USER"}, content=b"{not json"), 400, 2001
    )
    await expect(
        await client.put(url, params={"type": "APP_USER"}, json={"uid": "APP-0001"}), 400, 2001
    )
    await expect(
        await client.put(
            "/ocpi/cpo/de-vol/2.2.1/tokens/DE/XYZ/APP-0001",
            params={"type": "APP_USER"},
            json=app_token(party=("DE", "XYZ")),
        ),
        400,
        2001,
    )  # not the caller's party
    await expect(await client.put(url, params={"type": "APP_USER"}, json=app_token()), 201, 1000)
    await expect(
        await client.patch(url, params={"type": "APP_USER"}, json={"valid": False}), 400, 2001
    )
    await expect(
        await client.patch(
            url,
            params={"type": "APP_USER"},
            json={"valid": False, "last_updated": "2026-03-01T00:00:00Z"},
        ),
        200,
        1000,
    )
    await expect(
        await client.patch(
            url,
            params={"type": "APP_USER"},
            json={"uid": "SWAPPED", "last_updated": "2026-03-01T00:00:00Z"},
        ),
        400,
        2001,
    )
    await expect(await client.delete(url), 405, 2000)


async def test_an_unexpected_error_is_a_3000_envelope_and_the_server_keeps_going(
    asgi: tuple[httpx.AsyncClient, MockServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = asgi

    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cpo_api, "list_tariffs", explode)
    await expect(await client.get("/ocpi/2.2.1/tariffs"), 200, 3000)
    monkeypatch.undo()
    await expect(await client.get("/ocpi/2.2.1/tariffs"), 200, 1000)


async def test_control_api_refuses_remote_callers_and_bad_bodies(
    asgi: tuple[httpx.AsyncClient, MockServer],
) -> None:
    _, server = asgi
    remote = httpx.ASGITransport(app=server.app, client=("192.0.2.10", 40000))
    async with httpx.AsyncClient(transport=remote, base_url=BASE) as outsider:
        assert (await outsider.get("/mock/state")).status_code == 403
    local = httpx.ASGITransport(app=server.app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=local, base_url=BASE) as insider:
        assert (await insider.post("/mock/changes", content=b"[")).status_code == 400
        assert (await insider.post("/mock/changes", json={"count": "many"})).status_code == 400
        tap = await insider.post(
            "/mock/tap", json={"token_uid": "X", "location_id": "NOPE", "evse_uid": "E"}
        )
        assert tap.status_code == 404
        assert tap.json()["result"] == "error"
        register = await insider.post(
            "/mock/register", json={"versions_url": "x", "token_a": "y", "party": "ZZ"}
        )
        assert register.status_code == 400
