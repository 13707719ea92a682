"""Tokens Sender: the paginated list exactly as spec 1.6 wants it, and real-time authorisation
answering from the token's state, minting a stored authorization_reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emsp_tui.ocpi.enums import TokenType, WhitelistType
from emsp_tui.ocpi.models import Token
from emsp_tui.receiver import ReceiverContext
from emsp_tui.store import tokens as token_store
from emsp_tui.store.authorizations import TokenPolicy, get_authorization, set_policy
from tests.ocpi_schemas import validate_headers_paginated, validate_response

from .payloads import V

URL = f"{V}/tokens"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def card(n: int, *, valid: bool = True, at: datetime = T0) -> Token:
    return Token(
        country_code="NL",
        party_id="EMS",
        uid=f"UID{n:04d}",
        type=TokenType.RFID,
        contract_id=f"NL-EMS-C{n:08d}-X",
        issuer="Open eMSP",
        valid=valid,
        whitelist=WhitelistType.ALLOWED,
        last_updated=at,
    )


async def add_cards(ctx: ReceiverContext, count: int) -> list[Token]:
    cards = [card(n, at=T0 + timedelta(minutes=n)) for n in range(count)]
    for c in cards:
        await ctx.db.run(token_store.insert_token, c, c.last_updated, None)
    return cards


async def test_pages_follow_link_until_absent_with_every_filter(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await add_cards(ctx, 7)
    date_from = (T0 + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    date_to = (T0 + timedelta(minutes=6, seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url: str | None = f"{URL}?date_from={date_from}&date_to={date_to}&limit=2"
    seen: list[str] = []
    pages = 0
    while url:
        answer = await http.get(url, headers=hub_headers)
        assert answer.status_code == 200
        validate_response(answer.json(), "Token", many=True)
        page = validate_headers_paginated(answer.headers)
        assert (page.total_count, page.limit) == (6, 1000)  # UID0001..UID0006
        seen += [t["uid"] for t in answer.json()["data"]]
        pages += 1
        if page.next_url:
            query = parse_qs(urlsplit(page.next_url).query)
            # Absolute, and repeating the original filters and the limit.
            assert page.next_url.startswith("http://emsp.test/ocpi/2.2.1/emsp/tokens?")
            assert query["date_from"] == [date_from]
            assert query["date_to"] == [date_to]
            assert query["limit"] == ["2"]
        url = page.next_url
    assert pages == 3
    assert seen == [f"UID{n:04d}" for n in range(1, 7)]  # oldest first, none twice


async def test_last_page_has_no_link_and_bad_parameters_are_2001(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await add_cards(ctx, 3)
    whole = await http.get(URL, headers=hub_headers)
    validate_headers_paginated(whole.headers, expect_next=False)
    assert len(whole.json()["data"]) == 3
    capped = await http.get(f"{URL}?limit=5000", headers=hub_headers)
    assert validate_headers_paginated(capped.headers).limit == 1000
    # A fractional bound on whole-second stamps: date_to excludes, date_from includes.
    split = await http.get(f"{URL}?date_to=2026-03-01T12:01:00.500Z", headers=hub_headers)
    assert [t["uid"] for t in split.json()["data"]] == ["UID0000", "UID0001"]
    for query in ("limit=0", "offset=-1", "limit=many", "date_from=yesterday"):
        bad = await http.get(f"{URL}?{query}", headers=hub_headers)
        assert (bad.status_code, bad.json()["status_code"]) == (400, 2001), query
        validate_response(bad.json(), None)
    assert (await http.get(URL)).status_code == 401


async def authorize(
    http: httpx.AsyncClient, headers: dict[str, str], uid: str, **kw: object
) -> httpx.Response:
    return await http.post(f"{URL}/{uid}/authorize", headers=headers, **kw)  # type: ignore[arg-type]


async def test_a_valid_card_is_allowed_with_a_stored_reference(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await add_cards(ctx, 1)
    headers = {**hub_headers, "OCPI-from-country-code": "DE", "OCPI-from-party-id": "VOL"}
    refs = {"location_id": "LOC-1", "evse_uids": ["EVSE-1"]}
    answer = await authorize(http, headers, "UID0000", params={"type": "RFID"}, json=refs)
    assert answer.status_code == 200
    validate_response(answer.json(), "AuthorizationInfo")
    info = answer.json()["data"]
    assert info["allowed"] == "ALLOWED"
    assert info["token"]["contract_id"] == "NL-EMS-C00000000-X"
    assert info["location"] == refs
    reference = info["authorization_reference"]
    held = await ctx.db.run(get_authorization, reference)
    assert held is not None
    assert (held.allowed, held.requested_by, held.location_id) == ("ALLOWED", "DE*VOL", "LOC-1")
    # Each authorisation gets its own reference; no body and no type is fine too (RFID).
    again = await authorize(http, hub_headers, "uid0000")  # uid is a CiString
    assert again.json()["data"]["authorization_reference"] != reference


@pytest.mark.parametrize(
    ("policy", "valid", "expected"),
    [
        (None, False, "BLOCKED"),
        (TokenPolicy(expires_at=T0), True, "EXPIRED"),
        (TokenPolicy(no_credit=True), True, "NO_CREDIT"),
        (TokenPolicy(allowed_cpos=("NL*GLP",)), True, "NOT_ALLOWED"),
        (TokenPolicy(allowed_cpos=("de*vol",)), True, "ALLOWED"),
    ],
)
async def test_refusals_come_from_the_tokens_state(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    ctx: ReceiverContext,
    policy: TokenPolicy | None,
    valid: bool,
    expected: str,
) -> None:
    token = card(1, valid=valid)
    await ctx.db.run(token_store.insert_token, token, T0, None)
    if policy is not None:
        await ctx.db.run(set_policy, "NL", "EMS", token.uid, policy)
    headers = {**hub_headers, "OCPI-from-country-code": "DE", "OCPI-from-party-id": "VOL"}
    answer = await authorize(http, headers, token.uid)
    assert answer.status_code == 200  # a refused known token is still HTTP 200 + 1000
    validate_response(answer.json(), "AuthorizationInfo")
    info = answer.json()["data"]
    assert (answer.json()["status_code"], info["allowed"]) == (1000, expected)
    assert ("authorization_reference" in info) == (expected == "ALLOWED")
    assert info["info"]["text"]


async def test_unknown_token_is_404_2004(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await add_cards(ctx, 1)
    for uid, query in (("NOPE", {}), ("UID0000", {"type": "APP_USER"})):
        answer = await authorize(http, hub_headers, uid, params=query)
        assert (answer.status_code, answer.json()["status_code"]) == (404, 2004)
        validate_response(answer.json(), None)
        assert "data" not in answer.json()
    bad_type = await authorize(http, hub_headers, "UID0000", params={"type": "CARD"})
    bad_body = await authorize(http, hub_headers, "UID0000", json={"evse_uids": ["E1"]})
    for answer in (bad_type, bad_body):
        assert (answer.status_code, answer.json()["status_code"]) == (400, 2001)
    assert "location_id" in bad_body.json()["status_message"]
