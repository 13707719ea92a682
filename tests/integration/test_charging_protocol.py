"""Our receiver over real HTTP with the partners' real credentials: ownership, the latest
PATCH wins, malformed pushes counted, the tokens list paginated; every answer checked against
the independent OpenAPI schemas."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from emsp_tui.store import sessions as session_store
from emsp_tui.store.message_log import rejection_counts
from tests.ocpi_schemas import validate_headers_paginated, validate_response

from . import charging_support
from .charging_support import Setup, faults, peer_token

fast_mock = charging_support.fast_mock  # a fixture
setup = charging_support.setup  # a fixture


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def session_body(sid: str, cc: str = "DE", pid: str = "VOL", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "country_code": cc,
        "party_id": pid,
        "id": sid,
        "start_date_time": "2026-03-01T10:00:00Z",
        "kwh": 0,
        "cdr_token": {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": "AB12",
            "type": "RFID",
            "contract_id": "NL-EMS-C00000001-X",
        },
        "auth_method": "WHITELIST",
        "location_id": "L1",
        "evse_uid": "E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2026-03-01T10:00:00Z",
    }
    body.update(extra)
    return body


def sessions_url(setup: Setup, cc: str, pid: str, sid: str) -> str:
    return f"{setup.node.ctx.version_url}/emsp/sessions/{cc}/{pid}/{sid}"


async def test_a_cpo_cannot_write_another_partys_session(setup: Setup) -> None:
    node, mock = setup.node, setup.mock
    cpo = await node.partners.add(mock.cpo_versions_urls["DE-VOL"], mock.token_a, name="de-vol")
    headers = auth(peer_token(mock, "DE-VOL"))
    async with httpx.AsyncClient(headers=headers) as http:
        own = await http.put(sessions_url(setup, "DE", "VOL", "S-OWN"), json=session_body("S-OWN"))
        theirs = await http.put(
            sessions_url(setup, "NL", "GLP", "S-GLP"), json=session_body("S-GLP", "NL", "GLP")
        )
        # Claiming its own party in the URL does not help a body of another party.
        smuggled = await http.put(
            sessions_url(setup, "DE", "VOL", "S-GLP"), json=session_body("S-GLP", "NL", "GLP")
        )
    assert (own.status_code, own.json()["status_code"]) == (201, 1000)
    for answer in (theirs, smuggled):
        validate_response(answer.json(), None)
        assert (answer.status_code, answer.json()["status_code"]) == (400, 2001)
    assert await node.db.run(session_store.get_session, "NL", "GLP", "S-GLP") is None
    assert await node.db.run(session_store.get_session, "DE", "VOL", "S-GLP") is None
    counts = {r.partner_id: r.rejected for r in await node.db.run(rejection_counts, cpo.id)}
    assert counts == {cpo.id: 2}


async def test_latest_patch_wins_and_malformed_pushes_are_counted(setup: Setup) -> None:
    node = setup.node
    url = sessions_url(setup, "DE", "VOL", "S-1")
    newer = {
        "kwh": 8.0,
        "last_updated": "2026-03-01T10:20:00Z",
        "charging_periods": [
            {
                "start_date_time": "2026-03-01T10:10:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 4.0}],
            }
        ],
    }
    older = {
        "kwh": 4.0,
        "last_updated": "2026-03-01T10:10:00Z",
        "charging_periods": [
            {
                "start_date_time": "2026-03-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 4.0}],
            }
        ],
    }
    async with httpx.AsyncClient(headers=auth(peer_token(setup.mock))) as http:
        answers = [
            await http.put(url, json=session_body("S-1")),
            await http.patch(url, json=newer),
            await http.patch(url, json=newer),  # duplicate
            await http.patch(url, json=older),  # overtaken
            await http.patch(url, json={"kwh": 9.0}),  # no last_updated
            await http.put(url, json={**session_body("S-1"), "cdr_token": {"uid": 5}}),
            await http.post(f"{node.ctx.version_url}/emsp/cdrs", json={"id": "C1"}),
        ]
        got = await http.get(url)
    assert [(a.status_code, a.json()["status_code"]) for a in answers] == [
        (201, 1000),
        (200, 1000),
        (200, 1000),
        (200, 1000),
        (400, 2001),
        (400, 2001),
        (400, 2001),
    ]
    for answer in answers:
        validate_response(answer.json(), None)
    assert "cdr_token.uid" in answers[5].json()["status_message"]
    validate_response(got.json(), "Session")
    held = got.json()["data"]
    assert (held["kwh"], held["last_updated"]) == (8.0, "2026-03-01T10:20:00Z")
    assert [p["start_date_time"] for p in held["charging_periods"]] == [
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:10:00Z",
    ]
    counts = {r.module: r.rejected for r in await node.db.run(rejection_counts, setup.hub.id)}
    assert counts == {"sessions": 2, "cdrs": 1}


async def test_the_tokens_list_pages_over_http(setup: Setup) -> None:
    for n in range(4):
        await setup.wallet.issue(f"card {n}")  # five cards with the fixture's
    url: str | None = f"{setup.node.ctx.version_url}/emsp/tokens?limit=2"
    uids: list[str] = []
    async with httpx.AsyncClient(headers=auth(peer_token(setup.mock))) as http:
        while url:
            answer = await http.get(url)
            validate_response(answer.json(), "Token", many=True)
            page = validate_headers_paginated(answer.headers)
            assert (page.total_count, page.limit) == (5, 1000)
            uids += [t["uid"] for t in answer.json()["data"]]
            url = page.next_url
    assert len(uids) == len(set(uids)) == 5
    assert sorted(uids) == sorted(c.token.uid for c in await setup.wallet.cards())


async def test_a_token_push_failing_for_one_partner_is_recorded_not_fatal(setup: Setup) -> None:
    node, mock = setup.node, setup.mock
    cpo = await node.partners.add(mock.cpo_versions_urls["NL-GLP"], mock.token_a, name="nl-glp")
    await faults(mock, add=["NL-GLP:offline"])
    card = await setup.wallet.issue("second card")  # pushed to the hub and to NL-GLP
    assert setup.hub.id is not None
    assert cpo.id is not None
    pushes = {p.partner_id: p for p in await node.token_push.status(card.token)}
    assert (pushes[setup.hub.id].ok, pushes[setup.hub.id].method) == (True, "PUT")
    failed = pushes[cpo.id]
    assert (failed.ok, failed.delivered, failed.method) == (False, False, "PUT")
    assert failed.error is not None
    assert "503" in failed.error
    # Back online, the next change goes as a PUT again (it never got the card).
    await faults(mock, remove=["NL-GLP:offline"])
    await setup.wallet.block(card.token.uid)
    pushes = {p.partner_id: p for p in await node.token_push.status(card.token)}
    assert (pushes[cpo.id].ok, pushes[cpo.id].method, pushes[cpo.id].valid) == (True, "PUT", False)
    assert (pushes[setup.hub.id].method, pushes[setup.hub.id].valid) == ("PATCH", False)
