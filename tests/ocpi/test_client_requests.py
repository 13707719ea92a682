"""Headers on every request, envelope unwrapping, error mapping, the exchange log."""

from __future__ import annotations

import gc
import uuid
from typing import Any

import httpx
import pytest

from emsp_tui.ocpi import errors as e
from emsp_tui.ocpi.client import OcpiClient, Routing
from emsp_tui.ocpi.enums import CommandType
from emsp_tui.ocpi.models import Tariff
from emsp_tui.ocpi.retry import NO_RETRY

from .client_support import TOKEN, TOKEN_B64, Peer, body_of, ocpi

ROUTING = Routing("nl", "tnm", "de", "abc")
VERSIONS = [{"version": "2.2.1", "url": "https://cpo/ocpi/2.2.1"}]
DETAILS = {
    "version": "2.2.1",
    "endpoints": [
        {
            "identifier": "credentials",
            "role": "SENDER",
            "url": "https://cpo/ocpi/2.2.1/credentials",
        },
        {"identifier": "commands", "role": "RECEIVER", "url": "https://cpo/ocpi/2.2.1/commands"},
    ],
}
TARIFF = {
    "country_code": "DE",
    "party_id": "ABC",
    "id": "T1",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
    "last_updated": "2025-01-01T00:00:00Z",
}
ROUTING_HEADERS = (
    "ocpi-from-country-code",
    "ocpi-from-party-id",
    "ocpi-to-country-code",
    "ocpi-to-party-id",
)


def _answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/versions"):
        return ocpi(VERSIONS)
    if path.endswith("/2.2.1"):
        return ocpi(DETAILS)
    if "/commands/" in path:
        return ocpi({"result": "ACCEPTED", "timeout": 30})
    return ocpi(TARIFF)


async def test_every_request_carries_auth_fresh_request_id_and_correlation_id() -> None:
    peer = Peer(_answer)
    async with peer.client() as client:
        detail = await client.negotiate("https://cpo/ocpi/versions")
        await client.get_object("https://cpo/ocpi/2.2.1/tariffs/DE/ABC/T1", Tariff, routing=ROUTING)
        await client.put("https://cpo/x", {"a": 1}, correlation_id="given-id")
    assert detail.version == "2.2.1"
    assert len(peer.requests) == 4
    for request in peer.requests:
        assert request.headers["authorization"] == f"Token {TOKEN_B64}"
        uuid.UUID(request.headers["x-request-id"])
    request_ids = {r.headers["x-request-id"] for r in peer.requests}
    assert len(request_ids) == 4
    versions, details, tariff, put = peer.requests
    # One logical operation (negotiate) shares one correlation id; each operation gets its own.
    assert versions.headers["x-correlation-id"] == details.headers["x-correlation-id"]
    assert tariff.headers["x-correlation-id"] != versions.headers["x-correlation-id"]
    assert put.headers["x-correlation-id"] == "given-id"


async def test_content_type_only_with_a_body() -> None:
    peer = Peer(_answer)
    async with peer.client() as client:
        await client.get("https://cpo/x")
        await client.delete("https://cpo/x")
        await client.put("https://cpo/x", {"a": 1})
        await client.patch("https://cpo/x", {"last_updated": "2025-01-01T00:00:00Z"})
    get, delete, put, patch = peer.requests
    assert "content-type" not in get.headers
    assert "content-type" not in delete.headers
    assert put.headers["content-type"] == "application/json"
    assert body_of(patch) == {"last_updated": "2025-01-01T00:00:00Z"}


async def test_routing_headers_only_on_functional_modules() -> None:
    peer = Peer(_answer)
    async with peer.client() as client:
        await client.negotiate("https://cpo/ocpi/versions")
        await client.send_command(
            "https://cpo/ocpi/2.2.1/commands/",
            CommandType.STOP_SESSION,
            {"response_url": "https://emsp/cb/1", "session_id": "S1"},
            routing=ROUTING,
        )
    versions, details, command = peer.requests
    for config in (versions, details):
        assert not any(h in config.headers for h in ROUTING_HEADERS)
    assert command.url == "https://cpo/ocpi/2.2.1/commands/STOP_SESSION"
    assert [command.headers[h] for h in ROUTING_HEADERS] == ["NL", "TNM", "DE", "ABC"]


async def test_open_routing_sends_only_the_from_pair() -> None:
    peer = Peer(_answer)
    async with peer.client() as client:
        await client.get("https://hub/x", routing=Routing("NL", "TNM"))
    headers = peer.requests[0].headers
    assert headers["ocpi-from-party-id"] == "TNM"
    assert "ocpi-to-party-id" not in headers
    assert "ocpi-to-country-code" not in headers


async def test_raw_token_switch_per_peer() -> None:
    peer = Peer(_answer)
    async with peer.client(raw_token=True) as client:
        await client.get("https://old-peer/x")
    assert peer.requests[0].headers["authorization"] == f"Token {TOKEN}"


async def test_success_envelope_is_unwrapped() -> None:
    peer = Peer(lambda r: ocpi({"k": "v"}, 1042, "fine"))
    async with peer.client() as client:
        reply = await client.get("https://cpo/x")
    assert (reply.data, reply.status_code, reply.status_message) == ({"k": "v"}, 1042, "fine")
    assert reply.timestamp is not None
    assert reply.timestamp.tzinfo is not None
    assert reply.http_status == 200


async def test_get_object_validates_into_the_model() -> None:
    peer = Peer(lambda r: ocpi(TARIFF))
    async with peer.client() as client:
        tariff = await client.get_object("https://cpo/t/DE/ABC/T1", Tariff)
    assert isinstance(tariff, Tariff)
    assert tariff.id == "T1"


async def test_get_object_with_a_broken_object_is_a_protocol_error() -> None:
    peer = Peer(lambda r: ocpi({**TARIFF, "currency": None}))
    async with peer.client() as client:
        with pytest.raises(e.OcpiProtocolError, match="invalid Tariff: currency"):
            await client.get_object("https://cpo/t/DE/ABC/T1", Tariff)


@pytest.mark.parametrize(
    ("response", "cls", "code"),
    [
        (ocpi(None, 2001, "last_updated missing", http=400), e.InvalidParametersError, 2001),
        (ocpi(None, 2003, "no such location"), e.UnknownLocationError, 2003),
        (ocpi(None, 2004, "unknown token", http=404), e.UnknownTokenError, 2004),
        (ocpi(None, 3001, "cannot reach you"), e.ClientApiError, 3001),
        (ocpi(None, 4001, "who?"), e.UnknownReceiverError, 4001),
        (ocpi(None, 2950, "custom"), e.OcpiClientError, 2950),
        (httpx.Response(401), e.OcpiUnauthorizedError, None),
        (ocpi(None, 2000, "Unknown token", http=401), e.OcpiUnauthorizedError, 2000),
        (httpx.Response(403, text="Forbidden"), e.OcpiUnauthorizedError, None),
        (
            httpx.Response(
                500,
                text="<html><body><h1>Internal Server Error</h1></body></html>",
                headers={"content-type": "text/html"},
            ),
            e.OcpiHttpError,
            None,
        ),
        (httpx.Response(200, text="{not json"), e.OcpiProtocolError, None),
        (httpx.Response(200, json={"data": []}), e.OcpiProtocolError, None),
        (httpx.Response(200, json=[1, 2]), e.OcpiProtocolError, None),
        (httpx.Response(200, json={"status_code": "OK"}), e.OcpiProtocolError, None),
        (httpx.Response(200, content=b""), e.OcpiProtocolError, None),
    ],
)
async def test_error_mapping(response: httpx.Response, cls: type[e.OcpiError], code: Any) -> None:
    peer = Peer(lambda r: response)
    async with peer.client(retry=NO_RETRY) as client:  # retries: test_client_retry.py
        with pytest.raises(e.OcpiError) as caught:
            await client.get("https://cpo/ocpi/2.2.1/x")
    err = caught.value
    assert type(err) is cls
    assert err.status_code == code
    assert err.http_status == response.status_code
    assert err.method == "GET"
    assert err.url == "https://cpo/ocpi/2.2.1/x"
    assert err.request_id == peer.requests[0].headers["x-request-id"]
    assert err.correlation_id == peer.requests[0].headers["x-correlation-id"]
    assert "\n" not in str(err)


async def test_html_error_page_becomes_a_short_readable_message() -> None:
    html = "<html><head><title>Oops</title></head><body><h1>Bad   Gateway</h1></body></html>"
    peer = Peer(lambda r: httpx.Response(502, text=html, headers={"content-type": "text/html"}))
    async with peer.client(retry=NO_RETRY) as client:
        with pytest.raises(e.OcpiHttpError) as caught:
            await client.get("https://cpo/x")
    request_id = peer.requests[0].headers["x-request-id"]
    assert str(caught.value) == (
        f"HTTP error: Oops Bad Gateway (GET https://cpo/x, HTTP 502, request {request_id})"
    )


async def test_empty_answer_to_a_push_is_accepted() -> None:
    peer = Peer(lambda r: httpx.Response(204) if r.method == "DELETE" else httpx.Response(200))
    async with peer.client() as client:
        assert (await client.delete("https://cpo/x")).data is None
        assert (await client.put("https://cpo/x", {"a": 1})).data is None


async def test_connection_error_is_a_transport_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    peer = Peer(refuse)
    async with peer.client() as client:
        with pytest.raises(e.OcpiTransportError, match="ConnectError: connection refused"):
            await client.post("https://down/x", {"a": 1})
    assert peer.exchanges[0].status is None
    assert peer.exchanges[0].error is not None


async def test_on_exchange_records_every_exchange_without_secrets() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":  # a careless peer echoing our token back to us
            return ocpi(None, 2000, f"bad token {TOKEN} / {TOKEN_B64}", http=400)
        return ocpi({"token": TOKEN, "url": "https://cpo/versions"})

    peer = Peer(answer)
    async with peer.client() as client:
        await client.get("https://cpo/credentials")
        with pytest.raises(e.OcpiClientError) as caught:
            await client.post("https://cpo/x", {"token": "SECRET-B", "url": "u", "roles": []})
    assert TOKEN not in str(caught.value)
    assert TOKEN_B64 not in str(caught.value)
    assert len(peer.exchanges) == 2
    get, post = peer.exchanges
    assert get.method == "GET"
    assert get.status == 200
    assert get.ok
    assert get.url == "https://cpo/credentials"
    assert get.request_headers["authorization"] == "Token <redacted>"
    assert get.request_id == peer.requests[0].headers["x-request-id"]
    assert get.correlation_id == peer.requests[0].headers["x-correlation-id"]
    assert get.duration >= 0
    assert get.attempt == 1
    assert get.response_body is not None
    assert '"url":"https://cpo/versions"' in get.response_body
    assert post.status == 400
    assert not post.ok
    assert "OCPI 2000" in (post.error or "")
    assert post.request_body is not None
    assert '"roles":[]' in post.request_body
    text = peer.records_text()
    for secret in (TOKEN, TOKEN_B64, "SECRET-B"):
        assert secret not in text


async def test_a_failing_exchange_callback_does_not_break_the_request() -> None:
    def broken(record: Any) -> None:
        raise RuntimeError("log sink down")

    peer = Peer(lambda r: ocpi([]))
    async with peer.client(on_exchange=broken) as client:
        assert (await client.get("https://cpo/x")).data == []


async def test_a_read_response_is_freed_without_waiting_for_the_garbage_collector() -> None:
    """httpx leaves a read response in a reference cycle with its stream: a sync page's body
    (megabytes) then lived until a full collection, and a long sync's memory grew page by page.
    The client cuts the cycle once the body is read."""
    transport = httpx.MockTransport(lambda _: ocpi([{"id": str(i)} for i in range(100)]))
    async with OcpiClient(TOKEN, transport=transport) as client:
        gc.collect()
        gc.disable()
        try:
            before = {id(o) for o in gc.get_objects() if isinstance(o, httpx.Response)}
            for raw in (False, True):
                reply = await client.request("GET", "http://peer/ocpi/2.2.1/locations", raw=raw)
                assert reply.status_code == 1000
            left = [
                o for o in gc.get_objects() if isinstance(o, httpx.Response) and id(o) not in before
            ]
        finally:
            gc.enable()
    assert left == []
