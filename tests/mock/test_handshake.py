"""The credentials handshake in both directions, over real HTTP, plus the 401/405 rules."""

from __future__ import annotations

import httpx
import pytest

from mock_backend.server import MockServer
from tests.ocpi_schemas import validate, validate_response

from .emsp_stub import EmspStub, auth, serving


async def test_emsp_registers_with_the_hub(mock: MockServer, stub: EmspStub) -> None:
    async with httpx.AsyncClient() as client:
        versions = await client.get(mock.versions_url, headers=auth(mock.token_a))
        validate_response(versions.json(), "Version", many=True)
        details = await client.get(versions.json()["data"][0]["url"], headers=auth(mock.token_a))
        validate_response(details.json(), "VersionDetail")
        modules = {(e["identifier"], e["role"]) for e in details.json()["data"]["endpoints"]}
        assert {
            ("locations", "SENDER"),
            ("tokens", "RECEIVER"),
            ("commands", "RECEIVER"),
            ("hubclientinfo", "SENDER"),
            ("credentials", "SENDER"),
        } <= modules

    answer = await stub.register_with(mock.versions_url, mock.token_a)
    assert answer.status_code == 200
    validate_response(answer.json(), "Credentials")
    creds = answer.json()["data"]
    assert creds["url"] == mock.versions_url
    assert [(r["role"], r["country_code"], r["party_id"]) for r in creds["roles"]] == [
        ("HUB", "NL", "RMH")
    ]
    # Inside the POST the hub read our versions and details with TOKEN_B, over HTTP.
    callbacks = [s for s in stub.seen if s.path.startswith("/ocpi/")]
    assert [s.path for s in callbacks[:2]] == ["/ocpi/versions", "/ocpi/2.2.1"]
    assert all(s.authorized for s in callbacks[:2])

    async with httpx.AsyncClient() as client:
        token_c = creds["token"]
        creds_url = f"{mock.base_url}/ocpi/2.2.1/credentials"
        got = await client.get(creds_url, headers=auth(token_c))
        assert got.json()["data"]["token"] == token_c
        assert (await client.post(creds_url, headers=auth(token_c), json={})).status_code == 405
        # TOKEN_A is void now; the raw (unencoded) token is accepted as well as base64.
        assert (await client.get(mock.versions_url, headers=auth(mock.token_a))).status_code == 401
        raw = await client.get(
            f"{mock.base_url}/ocpi/2.2.1/tariffs", headers={"Authorization": f"Token {token_c}"}
        )
        assert raw.status_code == 200
        assert raw.json()["status_code"] == 1000


async def test_put_rotates_the_token_and_delete_unregisters(
    via_hub: EmspStub, mock: MockServer
) -> None:
    stub = via_hub
    creds_url = f"{mock.base_url}/ocpi/2.2.1/credentials"
    body = {
        "token": next(iter(stub.accepted)),
        "url": f"{stub.base_url}/ocpi/versions",
        "roles": [
            {
                "role": "EMSP",
                "party_id": "TNM",
                "country_code": "NL",
                "business_details": {"name": "TestNet Mobility"},
            }
        ],
    }
    async with httpx.AsyncClient() as client:
        old = stub.token_c
        assert old is not None
        put = await client.put(creds_url, headers=auth(old), json=body)
        assert put.json()["status_code"] == 1000
        new = put.json()["data"]["token"]
        assert new != old
        assert (await client.get(creds_url, headers=auth(old))).status_code == 401
        assert (await client.delete(creds_url, headers=auth(new))).json()["status_code"] == 1000
        assert (
            await client.get(f"{mock.base_url}/ocpi/2.2.1/locations", headers=auth(new))
        ).status_code == 401
        # Not registered any more: PUT/DELETE/GET with TOKEN_A are 405; TOKEN_A works again.
        for method in ("PUT", "DELETE", "GET"):
            answer = await client.request(method, creds_url, headers=auth(mock.token_a), json=body)
            assert answer.status_code == 405, method


async def test_registration_fails_with_3001_when_the_emsp_cannot_be_read(mock: MockServer) -> None:
    body = {
        "token": "TOKEN-B-123",
        "url": "http://127.0.0.1:9/ocpi/versions",
        "roles": [
            {
                "role": "EMSP",
                "party_id": "TNM",
                "country_code": "NL",
                "business_details": {"name": "TestNet"},
            }
        ],
    }
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{mock.base_url}/ocpi/2.2.1/credentials", headers=auth(mock.token_a), json=body
        )
    assert answer.json()["status_code"] == 3001
    validate_response(answer.json(), None)


async def test_registration_fails_with_3002_without_a_common_version(mock: MockServer) -> None:
    async with serving(EmspStub(versions=["2.1.1"])) as old_emsp:
        answer = await old_emsp.register_with(mock.cpo_versions_urls["DE-VOL"], mock.token_a)
    assert answer.json()["status_code"] == 3002


@pytest.mark.parametrize("party", ["hub", "FR-BRS"])
async def test_the_mock_registers_with_an_emsp(
    mock: MockServer, stub: EmspStub, party: str
) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{mock.base_url}/mock/register",
            json={
                "versions_url": f"{stub.base_url}/ocpi/versions",
                "token_a": stub.token_a,
                "party": party,
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["ok"] is True
        sent = stub.mock_credentials
        assert sent is not None
        validate(sent, "Credentials")
        assert sent["url"] == (
            mock.versions_url if party == "hub" else mock.cpo_versions_urls[party]
        )
        # The token the mock sent (its TOKEN_B) now opens the party's functional modules.
        base = sent["url"].removesuffix("/versions")
        tariffs = await client.get(f"{base}/2.2.1/tariffs", headers=auth(sent["token"]))
        assert tariffs.status_code == 200
        assert tariffs.json()["status_code"] == 1000
        state = (await client.get(f"{mock.base_url}/mock/state")).json()
        peers = next(p for p in state["parties"] if p["key"] == party)["peers"]
        assert peers[0]["initiated_by"] == "mock"
        assert peers[0]["parties"] == ["NL-TNM"]


async def test_wrong_or_missing_tokens_are_401_and_token_a_only_opens_configuration(
    mock: MockServer,
) -> None:
    async with httpx.AsyncClient() as client:
        for headers in ({}, auth("nope"), {"Authorization": "Bearer x"}):
            answer = await client.get(mock.versions_url, headers=headers)
            assert answer.status_code == 401
            validate_response(answer.json(), None)
        for path in (
            "/ocpi/2.2.1/locations",
            "/ocpi/cpo/de-vol/2.2.1/tariffs",
            "/ocpi/2.2.1/hubclientinfo",
        ):
            assert (
                await client.get(mock.base_url + path, headers=auth(mock.token_a))
            ).status_code == 401
