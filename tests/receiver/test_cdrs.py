"""CDRs Receiver: POST stores and answers with a Location we serve the CDR at; duplicates are
idempotent, a changed CDR under a known id is refused, credit CDRs are accepted."""

from __future__ import annotations

import httpx

from emsp_tui.receiver import ReceiverContext
from emsp_tui.store import cdrs as store
from emsp_tui.store.message_log import rejection_counts
from tests.ocpi_schemas import validate_response

from .payloads import V, cdr

URL = f"{V}/cdrs"


async def test_post_stores_and_the_location_header_serves_it(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    posted = await http.post(URL, json=cdr(), headers=hub_headers)
    assert posted.status_code == 201
    validate_response(posted.json(), None)
    assert posted.json()["status_code"] == 1000
    location = posted.headers["Location"]
    assert location == "http://emsp.test/ocpi/2.2.1/emsp/cdrs/DE/VOL/CDR-1"
    got = await http.get(location, headers=hub_headers)
    assert got.status_code == 200
    validate_response(got.json(), "CDR")
    assert got.json()["data"]["id"] == "CDR-1"
    assert got.json()["data"]["total_cost"] == {"excl_vat": 4.4, "incl_vat": 5.24}
    assert await ctx.db.run(store.count_cdrs) == 1


async def test_the_same_cdr_twice_is_one_cdr(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    first = await http.post(URL, json=cdr(), headers=hub_headers)
    # Re-posted after a lost answer, even re-stamped: the same CDR.
    again = await http.post(URL, json=cdr(last_updated="2026-03-01T11:05:00Z"), headers=hub_headers)
    assert again.status_code == 200
    validate_response(again.json(), None)
    assert again.json()["status_code"] == 1000
    assert again.headers["Location"] == first.headers["Location"]
    assert await ctx.db.run(store.count_cdrs) == 1
    # Other content under the same id: refused, the first one stands.
    changed = await http.post(URL, json=cdr(total_energy=99.0), headers=hub_headers)
    assert (changed.status_code, changed.json()["status_code"]) == (400, 2001)
    assert "immutable" in changed.json()["status_message"]
    held = await ctx.db.run(store.get_cdr, "DE", "VOL", "CDR-1")
    assert held is not None
    assert held.cdr.total_energy == 11.0


async def test_a_credit_cdr_is_accepted_and_linked(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await http.post(URL, json=cdr(), headers=hub_headers)
    credit = cdr(
        "CDR-1-C",
        credit=True,
        credit_reference_id="CDR-1",
        total_cost={"excl_vat": -4.4, "incl_vat": -5.24},
    )
    answer = await http.post(URL, json=credit, headers=hub_headers)
    assert answer.status_code == 201
    found = await ctx.db.run(store.cdrs_for_session, "DE", "VOL", "S-1")
    assert [(c.cdr.id, bool(c.cdr.credit)) for c in found] == [("CDR-1", False), ("CDR-1-C", True)]


async def test_malformed_and_foreign_cdrs_are_refused_and_counted(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    cpo_headers: dict[str, str],
    ctx: ReceiverContext,
) -> None:
    no_periods = cdr(charging_periods=[])
    session_only = cdr(
        charging_periods=[
            {
                "start_date_time": "2026-03-01T10:00:00Z",
                "dimensions": [{"type": "POWER", "volume": 11}],
            }
        ]
    )
    for body, named in ((no_periods, "charging_periods"), (session_only, "POWER")):
        answer = await http.post(URL, json=body, headers=hub_headers)
        assert (answer.status_code, answer.json()["status_code"]) == (400, 2001)
        validate_response(answer.json(), None)
        assert named in answer.json()["status_message"]
    foreign = await http.post(URL, json=cdr(), headers=cpo_headers)  # FR*BRS posts DE*VOL's
    assert foreign.json()["status_code"] == 2001
    assert await ctx.db.run(store.count_cdrs) == 0
    counts = {(r.partner_id, r.module): r.rejected for r in await ctx.db.run(rejection_counts)}
    assert counts == {(1, "cdrs"): 2, (2, "cdrs"): 1}
    # Reading a CDR of another party, or one we do not have: 404.
    await http.post(URL, json=cdr(), headers=hub_headers)
    peek = await http.get(f"{URL}/DE/VOL/CDR-1", headers=cpo_headers)
    missing = await http.get(f"{URL}/DE/VOL/NOPE", headers=hub_headers)
    for answer in (peek, missing):
        assert (answer.status_code, answer.json()["status_code"]) == (404, 2001)
        validate_response(answer.json(), None)
