"""Every request in and out lands in the OCPI message log, never with a credentials token;
our version details advertise the charging modules."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from emsp_tui.ocpi.client import OcpiClient
from emsp_tui.receiver import ReceiverContext
from emsp_tui.store import partners as partner_store
from emsp_tui.store.message_log import messages
from tests.ocpi_schemas import validate_response

from .conftest import HUB_TOKEN, auth
from .payloads import V, session


async def logged(ctx: ReceiverContext) -> list:  # type: ignore[type-arg]
    assert ctx.message_log is not None
    await ctx.message_log.flush()
    return list(reversed(await ctx.db.run(messages)))


async def test_inbound_requests_are_logged_with_partner_ids_and_bodies(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await http.put(f"{V}/sessions/DE/VOL/S-1", json=session(), headers=hub_headers)
    await http.put(f"{V}/sessions/DE/VOL/S-1", json={"kwh": "x"}, headers=hub_headers)
    await http.get(f"{V}/tokens")  # no credentials
    put, bad, anonymous = await logged(ctx)
    assert (put.direction, put.method, put.partner, put.http_status, put.status_code) == (
        "in",
        "PUT",
        "hub",
        201,
        1000,
    )
    assert put.url == "http://emsp.test/ocpi/2.2.1/emsp/sessions/DE/VOL/S-1"
    assert (put.request_id, put.correlation_id) == ("req-1", "corr-1")
    assert (put.session_id, put.authorization_reference) == ("S-1", "AUTH-REF-1")
    assert put.request_body is not None
    assert '"cdr_token"' in put.request_body
    assert (bad.status_code, bad.http_status) == (2001, 400)
    assert bad.response_body is not None
    assert "kwh" in bad.response_body
    assert (anonymous.partner, anonymous.http_status) == (None, 401)


async def test_credentials_tokens_never_reach_the_log(
    http: httpx.AsyncClient, ctx: ReceiverContext
) -> None:
    token_a = "TOKEN-A-secret-123"
    await ctx.db.run(partner_store.add_registration_token, token_a, None)
    # A registration attempt carries a token in its body (this one is refused: no roles).
    body = {"token": "TOKEN-B-secret-456", "url": "http://127.0.0.1:9/versions"}
    await http.post("/ocpi/2.2.1/credentials", json=body, headers=auth(token_a))
    await http.get("/ocpi/versions", headers=auth(HUB_TOKEN))
    records = await logged(ctx)
    assert [r.url.rsplit("/", 1)[-1] for r in records] == ["credentials", "versions"]
    assert records[1].partner == "hub"
    everything = repr(records)
    for secret in (token_a, "TOKEN-B-secret-456", HUB_TOKEN):
        assert secret not in everything
    assert '"token":"<redacted>"' in (records[0].request_body or "").replace(" ", "")


async def test_outbound_exchanges_are_logged_through_on_exchange(
    ctx: ReceiverContext,
) -> None:
    assert ctx.message_log is not None
    hub = await ctx.db.run(partner_store.get_partner, "hub")

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "status_code": 1000,
                "timestamp": "2026-03-01T00:00:00Z",
                "data": {"result": "ACCEPTED", "timeout": 30},
            },
        )

    callback = ctx.message_log.outbound(hub, command_id="c-9")
    async with OcpiClient(
        "secret-out-token", transport=httpx.MockTransport(answer), on_exchange=callback
    ) as client:
        await client.send_command("http://cpo.test/commands", "START_SESSION", {"x": 1})
    [record] = await logged(ctx)
    assert (record.direction, record.partner, record.command_id) == ("out", "hub", "c-9")
    assert (record.http_status, record.status_code) == (200, 1000)
    assert record.url == "http://cpo.test/commands/START_SESSION"
    assert record.at <= datetime.now(UTC)
    assert "secret-out-token" not in repr(record)


async def test_version_details_advertise_the_charging_modules(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    details = await http.get("/ocpi/2.2.1", headers=hub_headers)
    validate_response(details.json(), "VersionDetail")
    endpoints = {
        (e["identifier"], e["role"]): e["url"] for e in details.json()["data"]["endpoints"]
    }
    base = "http://emsp.test/ocpi/2.2.1"
    assert endpoints == {
        ("credentials", "SENDER"): f"{base}/credentials",
        ("tokens", "SENDER"): f"{base}/emsp/tokens",
        ("sessions", "RECEIVER"): f"{base}/emsp/sessions",
        ("cdrs", "RECEIVER"): f"{base}/emsp/cdrs",
        ("locations", "RECEIVER"): f"{base}/emsp/locations",
        ("commands", "SENDER"): f"{base}/emsp/commands",
    }
