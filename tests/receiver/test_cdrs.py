"""CDRs Receiver: POST stores and answers with a Location we serve the CDR at; duplicates are
idempotent, a changed CDR under a known id is refused (nothing written, counted), credit CDRs
are linked to the CDR they correct; a CDR of a card or session we do not know, or a credit for
a CDR we do not hold, is kept and flagged."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from emsp_tui.ocpi.models import Token
from emsp_tui.receiver import ReceiverContext
from emsp_tui.services.events import CdrPushed
from emsp_tui.store import cdrs as store
from emsp_tui.store import tokens as token_store
from emsp_tui.store.message_log import rejection_counts
from tests.ocpi_schemas import validate_response

from .db_snapshot import differences, table_contents
from .payloads import V, cdr, cdr_token, session

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


# -- intake rules: nothing written on a conflict, links and flags ------------------------------
def our_card(uid: str = "04A1B2C3D4E5F6") -> Token:
    return Token.model_validate(
        {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": uid,
            "type": "RFID",
            "contract_id": "NL-EMS-C12345678-X",
            "issuer": "Open eMSP",
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": "2026-03-01T09:00:00Z",
        }
    )


async def test_a_changed_cdr_writes_nothing_and_is_counted(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    heard: list[CdrPushed] = []
    ctx.events.subscribe(CdrPushed, heard.append)
    assert (await http.post(URL, json=cdr(), headers=hub_headers)).status_code == 201
    before = await table_contents(ctx.db)
    other_total = cdr(total_cost={"excl_vat": 5.0, "incl_vat": 5.95})
    changed = await http.post(URL, json=other_total, headers=hub_headers)
    assert (changed.status_code, changed.json()["status_code"]) == (400, 2001)
    assert "credit CDR" in changed.json()["status_message"]
    assert differences(before, await table_contents(ctx.db)) == []
    counts = {(r.partner_id, r.module): r.rejected for r in await ctx.db.run(rejection_counts)}
    assert counts == {(1, "cdrs"): 1}
    # The same CDR again answers success and writes nothing either.
    again = await http.post(URL, json=cdr(), headers=hub_headers)
    assert (again.status_code, again.json()["status_code"]) == (200, 1000)
    assert differences(before, await table_contents(ctx.db)) == []
    assert [(e.key, e.created) for e in heard] == [
        (("DE", "VOL", "CDR-1"), True),
        (("DE", "VOL", "CDR-1"), False),
    ]


async def test_a_cdr_of_a_card_and_session_we_know_is_not_flagged(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await ctx.db.run(token_store.insert_token, our_card(), datetime(2026, 3, 1, tzinfo=UTC))
    put = await http.put(f"{V}/sessions/DE/VOL/S-1", json=session(), headers=hub_headers)
    assert put.status_code in (200, 201)
    assert (await http.post(URL, json=cdr(), headers=hub_headers)).status_code == 201
    assert await ctx.db.run(store.flags_of, ("de", "vol", "CDR-1")) == ()
    assert await ctx.db.run(store.flagged_cdrs) == []
    assert await ctx.db.run(store.flags_of, ("DE", "VOL", "NOPE")) is None


async def test_an_unknown_card_or_session_is_kept_and_flagged(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await ctx.db.run(token_store.insert_token, our_card(), datetime(2026, 3, 1, tzinfo=UTC))
    strange = cdr("CDR-X", cdr_token=cdr_token("FFFF0000"), session_id="S-NEVER")
    answer = await http.post(URL, json=strange, headers=hub_headers)
    assert (answer.status_code, answer.json()["status_code"]) == (201, 1000)  # kept
    no_session = cdr("CDR-Y", session_id="S-2")
    assert (await http.post(URL, json=no_session, headers=hub_headers)).status_code == 201
    flagged = {c.cdr.id: f for c, f in await ctx.db.run(store.flagged_cdrs)}
    assert flagged == {
        "CDR-X": ("UNKNOWN_TOKEN", "UNKNOWN_SESSION"),
        "CDR-Y": ("UNKNOWN_SESSION",),
    }
    assert await ctx.db.run(store.count_cdrs) == 2
    # The session arriving late clears its flag: flags are read from what we hold now.
    late = session("S-2", authorization_reference="AUTH-REF-2")
    assert (await http.put(f"{V}/sessions/DE/VOL/S-2", json=late, headers=hub_headers)).is_success
    assert await ctx.db.run(store.flags_of, ("DE", "VOL", "CDR-Y")) == ()


async def test_a_credit_cdr_is_linked_and_one_for_an_unknown_cdr_flagged(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await ctx.db.run(token_store.insert_token, our_card(), datetime(2026, 3, 1, tzinfo=UTC))
    assert (
        await http.put(f"{V}/sessions/DE/VOL/S-1", json=session(), headers=hub_headers)
    ).is_success
    minus = {"excl_vat": -4.4, "incl_vat": -5.24}
    # The credit arrives before the CDR it corrects: kept, flagged.
    early = cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1", total_cost=minus)
    assert (await http.post(URL, json=early, headers=hub_headers)).status_code == 201
    assert await ctx.db.run(store.flags_of, ("DE", "VOL", "CDR-1-C")) == ("UNKNOWN_CREDITED_CDR",)
    assert (await http.post(URL, json=cdr(), headers=hub_headers)).status_code == 201
    assert await ctx.db.run(store.flags_of, ("DE", "VOL", "CDR-1-C")) == ()
    linked = await ctx.db.run(store.credits_of, ("DE", "VOL", "CDR-1"))
    assert [c.cdr.id for c in linked] == ["CDR-1-C"]
    # A credit naming a CDR we never got, or none at all: kept and flagged.
    stray = cdr("CDR-9-C", credit=True, credit_reference_id="CDR-9", total_cost=minus)
    bare = cdr("CDR-8-C", credit=True, total_cost=minus)
    for body in (stray, bare):
        assert (await http.post(URL, json=body, headers=hub_headers)).status_code == 201
    flagged = {c.cdr.id: f for c, f in await ctx.db.run(store.flagged_cdrs)}
    assert flagged == {"CDR-9-C": ("UNKNOWN_CREDITED_CDR",), "CDR-8-C": ("UNKNOWN_CREDITED_CDR",)}
    # The link is kept: once CDR-9 arrives its credit is found (and the flag clears).
    waiting = await ctx.db.run(store.credits_of, ("DE", "VOL", "CDR-9"))
    assert [c.cdr.id for c in waiting] == ["CDR-9-C"]
