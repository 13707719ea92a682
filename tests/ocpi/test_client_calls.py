"""What an eMSP sends: version negotiation, commands, token pushes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from emsp_tui.ocpi import errors as e
from emsp_tui.ocpi.client import Routing, join_url
from emsp_tui.ocpi.enums import (
    CommandResponseType,
    CommandType,
    ModuleID,
    TokenType,
    WhitelistType,
)
from emsp_tui.ocpi.models import StopSession, Token, TokenPatch
from emsp_tui.ocpi.wire import retry_after_seconds

from .client_support import Peer, body_of, ocpi

VERSIONS_URL = "https://cpo/ocpi/versions"


def endpoints(*modules: str) -> list[dict[str, str]]:
    return [
        {"identifier": m, "role": "RECEIVER", "url": f"https://cpo/ocpi/2.2.1/{m}"} for m in modules
    ]


def versions_peer(offered: list[dict[str, str]], details: dict[str, Any]) -> Peer:
    def answer(request: httpx.Request) -> httpx.Response:
        if str(request.url) == VERSIONS_URL:
            return ocpi(offered)
        return ocpi(details)

    return Peer(answer)


async def test_negotiate_picks_2_2_1_among_known_and_unknown_versions() -> None:
    offered = [
        {"version": "2.1.1", "url": "https://cpo/ocpi/2.1.1"},
        {"version": "2.2.1", "url": "https://cpo/ocpi/2.2.1"},
        {"version": "3.0", "url": "https://cpo/ocpi/3.0"},
    ]
    details = {
        "version": "2.2.1",
        "endpoints": [
            *endpoints("credentials", "tokens"),
            {"identifier": "nltnm-tokens", "role": "SENDER", "url": "https://cpo/custom"},
        ],
    }
    peer = versions_peer(offered, details)
    async with peer.client() as client:
        detail = await client.negotiate(VERSIONS_URL)
        listed = await client.get_versions(VERSIONS_URL)
    assert detail.version == "2.2.1"
    assert str(peer.requests[1].url) == "https://cpo/ocpi/2.2.1"
    assert [ep.identifier for ep in detail.endpoints] == [ModuleID.CREDENTIALS, ModuleID.TOKENS]
    assert [v.version for v in listed] == ["2.1.1", "2.2.1"]


async def test_negotiate_raises_when_there_is_no_common_version() -> None:
    offered = [
        {"version": "2.1.1", "url": "https://cpo/ocpi/2.1.1"},
        {"version": "2.2", "url": "https://cpo/ocpi/2.2"},
    ]
    peer = versions_peer(offered, {})
    async with peer.client() as client:
        with pytest.raises(e.UnsupportedVersionError) as caught:
            await client.negotiate(VERSIONS_URL)
    assert "peer offers 2.1.1, 2.2; we speak 2.2.1" in str(caught.value)
    assert len(peer.requests) == 1  # no details fetched


async def test_negotiate_raises_when_details_describe_another_version() -> None:
    peer = versions_peer(
        [{"version": "2.2.1", "url": "https://cpo/ocpi/2.2.1"}],
        {"version": "2.1.1", "endpoints": endpoints("credentials")},
    )
    async with peer.client() as client:
        with pytest.raises(e.UnsupportedVersionError, match=r"describe version 2\.1\.1"):
            await client.negotiate(VERSIONS_URL)


async def test_broken_version_details_are_a_protocol_error() -> None:
    peer = versions_peer(
        [{"version": "2.2.1", "url": "https://cpo/ocpi/2.2.1"}], {"version": "2.2.1"}
    )
    async with peer.client() as client:
        with pytest.raises(e.OcpiProtocolError, match="invalid version details: endpoints"):
            await client.negotiate(VERSIONS_URL)


async def test_send_command_posts_to_the_command_url_and_parses_the_response() -> None:
    peer = Peer(lambda r: ocpi({"result": "ACCEPTED", "timeout": 30}))
    body = StopSession(response_url="https://emsp/commands/STOP_SESSION/42", session_id="S1")
    async with peer.client() as client:
        response = await client.send_command(
            "https://cpo/ocpi/2.2.1/commands",
            CommandType.STOP_SESSION,
            body,
            routing=Routing("NL", "TNM", "DE", "ABC"),
        )
    assert response.result == CommandResponseType.ACCEPTED
    assert response.timeout == 30
    request = peer.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://cpo/ocpi/2.2.1/commands/STOP_SESSION"
    assert body_of(request) == {
        "response_url": "https://emsp/commands/STOP_SESSION/42",
        "session_id": "S1",
    }


async def test_send_command_unknown_location() -> None:
    peer = Peer(lambda r: ocpi(None, 2003, "Unknown location LOC-X"))
    async with peer.client() as client:
        with pytest.raises(e.UnknownLocationError):
            await client.send_command("https://cpo/commands", "START_SESSION", {"x": 1})


def app_token(uid: str = "APP 1/2") -> Token:
    return Token(
        country_code="nl",
        party_id="tnm",
        uid=uid,
        type=TokenType.APP_USER,
        contract_id="NL-TNM-C12345678-X",
        issuer="TNM",
        valid=True,
        whitelist=WhitelistType.NEVER,
        last_updated=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "tokens_url", ["https://cpo/ocpi/2.2.1/tokens", "https://cpo/ocpi/2.2.1/tokens/"]
)
async def test_push_token_puts_the_full_token_at_its_receiver_url(tokens_url: str) -> None:
    peer = Peer(lambda r: ocpi())
    async with peer.client() as client:
        await client.push_token(tokens_url, app_token(), routing=Routing("NL", "TNM"))
    request = peer.requests[0]
    assert request.method == "PUT"
    # One slash between segments whatever the base ends with (pitfall 11); the uid stays one
    # path segment; ?type= tells the CPO which token this is (uid+type is the identity).
    assert str(request.url) == "https://cpo/ocpi/2.2.1/tokens/NL/TNM/APP%201%2F2?type=APP_USER"
    body = body_of(request)
    assert body["uid"] == "APP 1/2"
    assert body["last_updated"] == "2025-01-02T03:04:05Z"
    assert "visual_number" not in body  # absent fields omitted, never null
    assert request.headers["ocpi-from-party-id"] == "TNM"


async def test_patch_token_requires_last_updated_and_sends_only_the_changes() -> None:
    peer = Peer(lambda r: ocpi())
    async with peer.client() as client:
        with pytest.raises(ValueError, match="last_updated"):
            await client.patch_token("https://cpo/tokens", "NL", "TNM", "U1", {"valid": False})
        await client.patch_token(
            "https://cpo/tokens",
            "nl",
            "tnm",
            "U1",
            TokenPatch.model_validate({"valid": False, "last_updated": "2025-01-02T00:00:00Z"}),
            token_type=TokenType.RFID,
        )
    assert len(peer.requests) == 1
    request = peer.requests[0]
    assert request.method == "PATCH"
    assert str(request.url) == "https://cpo/tokens/NL/TNM/U1?type=RFID"
    assert body_of(request) == {"valid": False, "last_updated": "2025-01-02T00:00:00Z"}


def test_join_url() -> None:
    assert join_url("https://h/a/", "b", "c d") == "https://h/a/b/c%20d"
    assert join_url("https://h/a", "x/y") == "https://h/a/x%2Fy"


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    later = now + timedelta(seconds=90)
    assert retry_after_seconds(later.strftime("%a, %d %b %Y %H:%M:%S GMT"), now) == 90.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
