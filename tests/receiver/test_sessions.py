"""Sessions Receiver: PUT, PATCH (appending periods; the latest by last_updated wins), GET,
ownership, malformed pushes refused with 2001 and counted, nothing half-written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emsp_tui.receiver import ReceiverContext
from emsp_tui.services.events import SessionPushed
from emsp_tui.store import sessions as store
from emsp_tui.store.message_log import rejection_counts
from tests.ocpi_schemas import validate, validate_response

from .payloads import V, period, session

URL = f"{V}/sessions/DE/VOL/S-1"


async def stored(ctx: ReceiverContext, sid: str = "S-1", cc: str = "DE", pid: str = "VOL") -> Any:
    return await ctx.db.run(store.get_session, cc, pid, sid)


async def rejected(ctx: ReceiverContext) -> dict[tuple[int, str], int]:
    return {(r.partner_id, r.module): r.rejected for r in await ctx.db.run(rejection_counts)}


async def test_put_then_get_round_trips_and_echoes_the_ids(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    headers = {
        **hub_headers,
        "OCPI-from-country-code": "DE",
        "OCPI-from-party-id": "VOL",
        "OCPI-to-country-code": "NL",
        "OCPI-to-party-id": "EMS",
    }
    put = await http.put(URL, json=session(), headers=headers)
    assert put.status_code == 201
    validate_response(put.json(), None)
    assert put.json()["status_code"] == 1000
    assert "data" not in put.json()
    assert put.headers["X-Request-ID"] == "req-1"
    assert put.headers["X-Correlation-ID"] == "corr-1"
    # Responses swap the routing headers (spec 10).
    assert (put.headers["OCPI-from-party-id"], put.headers["OCPI-to-party-id"]) == ("EMS", "VOL")
    again = await http.put(URL, json=session(), headers=hub_headers)
    assert again.status_code == 200
    got = await http.get(URL, headers=hub_headers)
    validate_response(got.json(), "Session")
    assert got.json()["data"]["authorization_reference"] == "AUTH-REF-1"
    held = await stored(ctx)
    assert held is not None
    assert held.session.status == "PENDING"


async def test_patch_appends_charging_periods_and_changes_only_what_it_carries(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await http.put(URL, json=session(), headers=hub_headers)
    first = {
        "status": "ACTIVE",
        "kwh": 2.5,
        "last_updated": "2026-03-01T10:15:00Z",
        "charging_periods": [period("2026-03-01T10:00:00Z", 2.5)],
    }
    second = {
        "kwh": 5.0,
        "last_updated": "2026-03-01T10:30:00Z",
        "total_cost": {"excl_vat": 2.0, "incl_vat": 2.38},
        "charging_periods": [period("2026-03-01T10:15:00Z", 2.5, soc=48)],
    }
    for body in (first, second):
        answer = await http.patch(URL, json=body, headers=hub_headers)
        assert answer.status_code == 200
        validate_response(answer.json(), None)
        assert answer.json()["status_code"] == 1000
    held = await stored(ctx)
    s = held.session
    assert (s.status, s.kwh, s.total_cost.incl_vat) == ("ACTIVE", 5.0, 2.38)
    assert s.authorization_reference == "AUTH-REF-1"  # kept: not in the PATCHes
    assert [p.start_date_time.minute for p in s.charging_periods] == [0, 15]
    validate(s.to_ocpi(), "Session")


async def test_duplicate_and_out_of_order_patches_are_acknowledged_not_applied(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await http.put(URL, json=session(status="ACTIVE"), headers=hub_headers)
    older = {
        "kwh": 2.0,
        "last_updated": "2026-03-01T10:10:00Z",
        "charging_periods": [period("2026-03-01T10:00:00Z", 2.0)],
    }
    newer = {
        "kwh": 4.0,
        "last_updated": "2026-03-01T10:20:00Z",
        "charging_periods": [period("2026-03-01T10:10:00Z", 2.0)],
    }
    assert (await http.patch(URL, json=newer, headers=hub_headers)).status_code == 200
    late = await http.patch(URL, json=older, headers=hub_headers)
    duplicate = await http.patch(URL, json=newer, headers=hub_headers)
    for answer in (late, duplicate):
        assert answer.status_code == 200
        validate_response(answer.json(), None)
        assert answer.json()["status_code"] == 1000
        assert "Not applied" in answer.json()["status_message"]
    s = (await stored(ctx)).session
    assert s.kwh == 4.0  # the latest by last_updated wins
    assert s.last_updated.minute == 20
    # The overtaken PATCH lost no period, and the duplicate added none.
    assert [p.start_date_time.minute for p in s.charging_periods] == [0, 10]
    # A whole PUT older than what we hold is not applied either.
    stale_put = await http.put(
        URL, json=session(kwh=1.0, last_updated="2026-03-01T10:05:00Z"), headers=hub_headers
    )
    assert stale_put.json()["status_code"] == 1000
    assert (await stored(ctx)).session.kwh == 4.0


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({**session(), "kwh": "lots"}, "kwh"),
        ({k: v for k, v in session().items() if k != "cdr_token"}, "cdr_token"),
        ({**session(), "status": "CHARGING"}, "status"),
        ({**session(), "last_updated": "yesterday"}, "last_updated"),
    ],
)
async def test_malformed_put_is_refused_with_2001_naming_the_field_and_counted(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    ctx: ReceiverContext,
    body: dict[str, Any],
    named: str,
) -> None:
    answer = await http.put(URL, json=body, headers=hub_headers)
    assert answer.status_code == 400
    validate_response(answer.json(), None)
    assert answer.json()["status_code"] == 2001
    assert named in answer.json()["status_message"]
    assert await stored(ctx) is None
    assert await rejected(ctx) == {(1, "sessions"): 1}


async def test_patch_without_last_updated_or_not_json_is_refused(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await http.put(URL, json=session(), headers=hub_headers)
    no_stamp = await http.patch(URL, json={"kwh": 3}, headers=hub_headers)
    assert no_stamp.json()["status_code"] == 2001
    assert "last_updated" in no_stamp.json()["status_message"]
    garbage = await http.patch(URL, content=b"{not json", headers=hub_headers)
    assert (garbage.status_code, garbage.json()["status_code"]) == (400, 2001)
    validate_response(garbage.json(), None)
    wrong_type = await http.patch(
        URL,
        json={"kwh": -1, "status": "NOPE", "last_updated": "2026-03-01T11:00:00Z"},
        headers=hub_headers,
    )
    assert wrong_type.json()["status_code"] == 2001
    assert "status" in wrong_type.json()["status_message"]
    assert (await stored(ctx)).session.kwh == 0  # nothing applied
    assert await rejected(ctx) == {(1, "sessions"): 3}


async def test_another_partys_session_is_refused_and_never_written(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    cpo_headers: dict[str, str],
    ctx: ReceiverContext,
) -> None:
    # FR*BRS (a CPO connected directly) writes a session of DE*VOL: not its own.
    foreign = await http.put(URL, json=session(), headers=cpo_headers)
    assert (foreign.status_code, foreign.json()["status_code"]) == (400, 2001)
    validate_response(foreign.json(), None)
    assert "DE*VOL" in foreign.json()["status_message"]
    # A party behind no partner of ours, through the hub.
    unknown = await http.put(
        f"{V}/sessions/BE/XYZ/S-1", json=session(cc="BE", pid="XYZ"), headers=hub_headers
    )
    assert unknown.json()["status_code"] == 2001
    assert await stored(ctx) is None
    assert await stored(ctx, cc="BE", pid="XYZ") is None
    # Reading another party's session: 404 (spec 1.4), nothing given away.
    await http.put(URL, json=session(), headers=hub_headers)
    peek = await http.get(URL, headers=cpo_headers)
    assert (peek.status_code, peek.json()["status_code"]) == (404, 2001)
    assert "data" not in peek.json()
    counts = await rejected(ctx)
    assert counts[(2, "sessions")] == 1
    assert counts[(1, "sessions")] == 1


async def test_body_must_match_the_url(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    other_id = await http.put(URL, json=session(sid="S-2"), headers=hub_headers)
    assert other_id.json()["status_code"] == 2001
    assert "id" in other_id.json()["status_message"]
    # NL*GLP is behind the hub too, but the URL says DE*VOL.
    other_party = await http.put(URL, json=session(cc="NL", pid="GLP"), headers=hub_headers)
    assert other_party.json()["status_code"] == 2001
    await http.put(URL, json=session(), headers=hub_headers)
    moved = await http.patch(
        URL, json={"id": "S-9", "last_updated": "2026-03-01T11:00:00Z"}, headers=hub_headers
    )
    assert moved.json()["status_code"] == 2001
    assert await stored(ctx, sid="S-2") is None
    # Country and party ids are CiStrings: lower case in the URL is the same party.
    lower = await http.put(
        f"{V}/sessions/de/vol/S-1",
        json=session(kwh=1.5, last_updated="2026-03-01T10:01:00Z"),
        headers=hub_headers,
    )
    assert lower.json()["status_code"] == 1000
    assert (await stored(ctx)).session.kwh == 1.5


async def test_patch_of_an_unknown_session_and_credentials_checks(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    unknown = await http.patch(
        URL, json={"kwh": 1, "last_updated": "2026-03-01T11:00:00Z"}, headers=hub_headers
    )
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2001)
    nobody = await http.put(URL, json=session())
    assert nobody.status_code == 401
    validate_response(nobody.json(), None)
    wrong = await http.put(URL, json=session(), headers={"Authorization": "Token bm9wZQ=="})
    assert wrong.status_code == 401
    deleted = await http.delete(URL, headers=hub_headers)
    assert deleted.status_code == 405
    validate_response(deleted.json(), None)
    trailing = await http.get(f"{URL}/", headers=hub_headers)
    assert trailing.json()["status_code"] == 2001  # unknown session, but the route matched


async def test_listeners_hear_of_every_applied_push(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    heard: list[SessionPushed] = []
    ctx.events.subscribe(SessionPushed, heard.append)
    await http.put(URL, json=session(), headers=hub_headers)
    await http.patch(
        URL, json={"kwh": 1, "last_updated": "2026-03-01T10:05:00Z"}, headers=hub_headers
    )
    await http.patch(
        URL, json={"kwh": 0.5, "last_updated": "2026-03-01T10:01:00Z"}, headers=hub_headers
    )
    outcomes = [(e.method, e.result.outcome) for e in heard if isinstance(e, SessionPushed)]
    assert outcomes == [("PUT", "created"), ("PATCH", "updated"), ("PATCH", "stale")]
