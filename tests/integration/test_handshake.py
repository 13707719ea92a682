"""The credentials handshake both ways, over real HTTP between our node and the mock network."""

from __future__ import annotations

import httpx
import pytest

from emsp_tui.node import EmspNode
from emsp_tui.ocpi.auth import new_credentials_token
from emsp_tui.ocpi.client import OcpiClient
from emsp_tui.ocpi.errors import OcpiUnauthorizedError
from emsp_tui.services.partners import PartnerError
from emsp_tui.store import partners as store
from mock_backend.server import MockServer
from tests.ocpi_schemas import validate_response


async def test_register_with_the_hub(node: EmspNode, mock: MockServer) -> None:
    partner = await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    assert partner.is_hub
    assert partner.version == "2.2.1"
    assert partner.token_out
    assert partner.token_out != mock.token_a
    cpos = sorted(p.key for p in partner.parties if p.role == "CPO")
    assert cpos == ["BE*FLC", "DE*VOL", "FR*BRS", "NL*GLP"]
    assert "NL*EMS" not in {p.key for p in partner.parties}  # we are not our own partner
    # Stored for good, and listed in config.toml without its token.
    stored = await node.db.run(store.get_partner, "hub")
    assert stored is not None
    assert stored.token_out == partner.token_out
    config_text = node.settings.config_file.read_text()
    assert mock.versions_url in config_text
    assert partner.token_out not in config_text
    # The token now works against the hub's functional modules.
    assert await node.partners.location_count(partner) == 250


async def test_register_with_a_cpo_directly(node: EmspNode, mock: MockServer) -> None:
    url = mock.cpo_versions_urls["DE-VOL"]
    partner = await node.partners.add(url, mock.token_a)
    assert partner.name == "de-vol"
    assert not partner.is_hub
    assert [(p.key, p.role) for p in partner.parties] == [("DE*VOL", "CPO")]
    count = await node.partners.location_count(partner)
    assert count is not None
    assert 0 < count < 250


async def test_a_wrong_token_a_is_refused_and_nothing_is_kept(
    node: EmspNode, mock: MockServer
) -> None:
    with pytest.raises(PartnerError, match=r"registration with .* failed"):
        await node.partners.add(mock.versions_url, "not-the-token", name="hub")
    assert await node.partners.list() == []


async def test_the_hub_registers_with_us(node: EmspNode, mock: MockServer) -> None:
    token_a = new_credentials_token()
    await node.db.run(store.add_registration_token, token_a, "the mock hub")
    async with httpx.AsyncClient() as http:
        reply = await http.post(
            f"{mock.base_url}/mock/register",
            json={"versions_url": node.versions_url, "token_a": token_a, "party": "hub"},
        )
    assert reply.status_code == 200, reply.text
    partners = await node.partners.list()
    assert len(partners) == 1
    hub = partners[0]
    assert hub.is_hub
    assert hub.token_out  # their TOKEN_B, which we use to call them
    assert hub.endpoint("locations", "SENDER")
    # TOKEN_A is void after use: our versions endpoint refuses it now.
    async with OcpiClient(token_a) as client:
        with pytest.raises(OcpiUnauthorizedError):
            await client.get_versions(node.versions_url)


async def test_our_endpoints_answer_by_the_schema(node: EmspNode) -> None:
    token_a = new_credentials_token()
    await node.db.run(store.add_registration_token, token_a, None)
    auth = {"Authorization": f"Token {__import__('base64').b64encode(token_a.encode()).decode()}"}
    async with httpx.AsyncClient() as http:
        versions = (await http.get(node.versions_url, headers=auth)).json()
        validate_response(versions, "Version", many=True)
        details = (await http.get(versions["data"][0]["url"], headers=auth)).json()
        validate_response(details, "VersionDetail")
        anonymous = await http.get(node.versions_url)
        assert anonymous.status_code == 401
        validate_response(anonymous.json(), None)
        # A malformed credentials POST is a 2001, and TOKEN_A is still usable afterwards.
        creds_url = details["data"]["endpoints"][0]["url"]
        bad = await http.post(creds_url, headers=auth, json={"token": "x", "url": "nope"})
        assert bad.status_code == 400
        assert bad.json()["status_code"] == 2001
        assert "roles" in bad.json()["status_message"]
    assert await node.db.run(store.is_registration_token, token_a)


async def test_unregister(node: EmspNode, mock: MockServer) -> None:
    partner = await node.partners.add(mock.versions_url, mock.token_a, name="hub")
    await node.partners.remove("hub")
    assert await node.partners.list() == []
    # The hub forgot us too: our old token no longer opens anything.
    async with OcpiClient(partner.token_out or "") as client:
        with pytest.raises(OcpiUnauthorizedError):
            await client.get(partner.endpoint("locations", "SENDER") or "")


async def test_old_peers_may_send_the_raw_token(node: EmspNode) -> None:
    token_a = new_credentials_token()
    await node.db.run(store.add_registration_token, token_a, None)
    async with httpx.AsyncClient() as http:
        raw = await http.get(node.versions_url, headers={"Authorization": f"Token {token_a}"})
        wrong = await http.get(node.versions_url, headers={"Authorization": "Token bm9wZQ=="})
    assert raw.status_code == 200
    assert wrong.status_code == 401
