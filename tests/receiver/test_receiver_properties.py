"""Generated input over every receiver endpoint that takes one (issue #11): valid bodies from
the spec's examples and our payloads, then mutated where the corrected OpenAPI schemas say a
field is required, an enum, length-limited, a DateTime, a number, a list or an object, plus
encodings (invalid UTF-8, UTF-16 with BOM) and nesting (body_mutations.py).

For every request: never a 5xx, always an OCPI envelope; valid bodies (and unknown fields)
2xx/1000 and served back valid per the schema; certainly invalid ones HTTP 400/2001; and for
every refused request every table unchanged (tests/receiver/db_snapshot.py). Seeded
(derandomize) and bounded: ``EXAMPLES`` cases per endpoint.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emsp_tui.ocpi.enums import CommandType, TokenType, WhitelistType
from emsp_tui.ocpi.models import Token
from emsp_tui.receiver import ReceiverContext
from emsp_tui.receiver.raw_ids import quote_id
from emsp_tui.store import commands as command_store
from emsp_tui.store import partners as partner_store
from emsp_tui.store import tokens as token_store
from emsp_tui.store.commands import CommandState, StoredCommand
from tests.ocpi_schemas import validate_response

from . import payloads
from .body_mutations import Case, cases, example
from .conftest import auth
from .db_snapshot import differences, table_contents

EXAMPLES = 150
PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OURS = {"country_code": "DE", "party_id": "VOL"}  # a CPO behind the hub (conftest)
IDS = frozenset({"country_code", "party_id", "id"})
JSON = {"Content-Type": "application/json"}
V = payloads.V


async def send(
    http: httpx.AsyncClient,
    ctx: ReceiverContext,
    method: str,
    url: str,
    case: Case,
    headers: dict[str, str],
    *,
    ok: tuple[int, ...] = (200, 201),
) -> httpx.Response:
    """One request, checked against what the case expects; the database too when refused."""
    event(case.expect)
    before = await table_contents(ctx.db)
    answer = await http.request(method, url, content=case.raw, headers={**headers, **JSON})
    assert answer.status_code < 500, (case.what, answer.text)
    body = answer.json()
    validate_response(body, None)
    said = (answer.status_code, body["status_code"])
    if case.expect in ("valid", "tolerated"):
        assert answer.status_code in ok, (case.what, said, body.get("status_message"))
        assert body["status_code"] == 1000, (case.what, body)
        if case.expect == "valid":  # fresh stamps: applied, not acknowledged as stale
            assert "Not applied" not in (body.get("status_message") or ""), case.what
    elif case.expect == "certain":
        assert said == (400, 2001), (case.what, said, body.get("status_message"))
    if answer.status_code >= 400:
        assert said == (400, 2001), (case.what, said, body.get("status_message"))
        assert differences(before, await table_contents(ctx.db)) == [], case.what
    return answer


_stamps = itertools.count()


def _last_updated_values(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "last_updated" and isinstance(inner, str):
                yield inner
            yield from _last_updated_values(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _last_updated_values(inner)


def fresh(case: Case, bases: list[dict[str, Any]]) -> Case:
    """The bases' own last_updated stamps made newer than anything held, so that a valid push
    is applied (and served back), not acknowledged as stale; mutated stamps stay as they are."""
    stamp = (datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=next(_stamps))).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    raw = case.raw
    for old in {s for base in bases for s in _last_updated_values(base)}:
        raw = raw.replace(f'"last_updated":"{old}"'.encode(), f'"last_updated":"{stamp}"'.encode())
    return Case(raw, case.expect, case.what)


async def served_back(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], schema: str
) -> dict[str, Any]:
    got = await http.get(url, headers=headers)
    assert got.status_code == 200, got.text
    validate_response(got.json(), schema)
    data: dict[str, Any] = got.json()["data"]
    return data


def base_of(case: Case, bases: list[dict[str, Any]], key: str) -> int:
    """Which base a case came from, by its id (every base keeps its id)."""
    for index, base in enumerate(bases):
        if f'"{key}":"{base[key]}"'.encode() in case.raw:
            return index
    return 0


# ------------------------------------------------------------------------------- sessions

SESSIONS = [
    example("session_example_1_simple_start.json", **OURS),
    example("session_example_2_short_finished.json", **OURS, id="102"),
    payloads.session(),
]
SESSION_PATCHES = [
    example("session_patch_example_charging_period.json"),
    example("session_patch_example_total_cost.json"),
    {"kwh": 5.5, "status": "ACTIVE", "last_updated": "2026-03-01T10:05:00Z"},
]


def session_url(body: dict[str, Any]) -> str:
    return f"{V}/sessions/DE/VOL/{quote_id(body['id'])}"


@PROPERTY
@given(case=cases(SESSIONS, "Session", keep=IDS))
async def test_session_put(
    http: httpx.AsyncClient, ctx: ReceiverContext, hub_headers: dict[str, str], case: Case
) -> None:
    url = session_url(SESSIONS[base_of(case, SESSIONS, "id")])
    answer = await send(http, ctx, "PUT", url, fresh(case, SESSIONS), hub_headers)
    if answer.status_code < 300:
        await served_back(http, url, hub_headers, "Session")


@PROPERTY
@given(case=cases(SESSION_PATCHES, "SessionPatch"))
async def test_session_patch(
    http: httpx.AsyncClient, ctx: ReceiverContext, hub_headers: dict[str, str], case: Case
) -> None:
    url = session_url(payloads.session())
    await http.put(url, json=payloads.session(), headers=hub_headers)
    answer = await send(
        http, ctx, "PATCH", url, fresh(case, SESSION_PATCHES), hub_headers, ok=(200,)
    )
    if answer.status_code < 300:
        await served_back(http, url, hub_headers, "Session")


# ------------------------------------------------------------------------------- CDRs

CDR_ID = "CDR-PROPERTY"
CDRS = [
    example("cdr_example.json", **OURS, id=CDR_ID),
    payloads.cdr(CDR_ID),
]
_cdr_numbers = itertools.count()


@PROPERTY
@given(case=cases(CDRS, "CDR", keep=IDS))
async def test_cdr_post(
    http: httpx.AsyncClient, ctx: ReceiverContext, hub_headers: dict[str, str], case: Case
) -> None:
    # A fresh id each time: a CDR id is never reused with other content (that is a conflict).
    fresh = f"CDR-{next(_cdr_numbers)}".encode()
    raw = case.raw.replace(f'"id":"{CDR_ID}"'.encode(), b'"id":"' + fresh + b'"')
    answer = await send(
        http, ctx, "POST", f"{V}/cdrs", Case(raw, case.expect, case.what), hub_headers
    )
    if answer.status_code < 300:
        assert answer.status_code == 201
        location = httpx.URL(answer.headers["Location"]).raw_path.decode()
        await served_back(http, location, hub_headers, "CDR")


# ------------------------------------------------------------------------------- locations

LOCATIONS = [example("location_example.json", **OURS), payloads.location()]
EVSES = [copy.deepcopy(loc["evses"][0]) for loc in LOCATIONS]
CONNECTORS = [copy.deepcopy(evse["connectors"][0]) for evse in EVSES]
UID = frozenset({"uid"})
LEVELS = ["Location", "EVSE", "Connector"]
PATCHES = {
    "Location": ("LocationPartial", [example("location_patch_example_location.json")]),
    "EVSE": ("EVSEPartial", [example("location_patch_example_status.json")]),
    "Connector": ("ConnectorPartial", [example("location_patch_example_tariff.json")]),
}


def location_url(level: int, index: int) -> str:
    parts = [LOCATIONS[index]["id"], EVSES[index]["uid"], CONNECTORS[index]["id"]][: level + 1]
    return f"{V}/locations/DE/VOL/" + "/".join(map(quote_id, parts))


async def hold_locations(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for index, body in enumerate(LOCATIONS):
        answer = await http.put(location_url(0, index), json=body, headers=headers)
        assert answer.status_code == 200, answer.text


@PROPERTY
@given(
    level=st.sampled_from([0, 1, 2]),
    data=st.data(),
)
async def test_location_put_at_every_level(
    http: httpx.AsyncClient,
    ctx: ReceiverContext,
    hub_headers: dict[str, str],
    level: int,
    data: st.DataObject,
) -> None:
    await hold_locations(http, hub_headers)
    bases, key, keep = [(LOCATIONS, "id", IDS), (EVSES, "uid", UID), (CONNECTORS, "id", IDS)][level]
    case = data.draw(cases(bases, LEVELS[level], keep=keep))
    url = location_url(level, base_of(case, bases, key))
    answer = await send(http, ctx, "PUT", url, fresh(case, bases), hub_headers, ok=(200,))
    if answer.status_code < 300:
        await served_back(http, url, hub_headers, LEVELS[level])


@PROPERTY
@given(level=st.sampled_from([0, 1, 2]), index=st.sampled_from([0, 1]), data=st.data())
async def test_location_patch_at_every_level(
    http: httpx.AsyncClient,
    ctx: ReceiverContext,
    hub_headers: dict[str, str],
    level: int,
    index: int,
    data: st.DataObject,
) -> None:
    await hold_locations(http, hub_headers)
    schema, bases = PATCHES[LEVELS[level]]
    case = data.draw(cases(bases, schema))
    url = location_url(level, index)
    answer = await send(http, ctx, "PATCH", url, fresh(case, bases), hub_headers, ok=(200,))
    if answer.status_code < 300:
        await served_back(http, url, hub_headers, LEVELS[level])


# ------------------------------------------------------------------------------- tokens

_NO_SURROGATES = st.characters(exclude_categories=["Cs"])
_TEXT = st.text(_NO_SURROGATES, max_size=24)
_WHOLE = re.compile(r"[0-9]{1,10}", re.ASCII)
_DATETIMES = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _paging_ok(text: str | None, lowest: int) -> bool:
    return not text or (_WHOLE.fullmatch(text) is not None and lowest <= int(text) < 2**31)


@pytest.fixture
async def cards(ctx: ReceiverContext, count: int = 3) -> None:
    """Three of our tokens (once per test: fixtures outlive hypothesis's examples)."""
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    for n in range(count):
        at = start + timedelta(minutes=n)
        card = Token(
            **{"country_code": "NL", "party_id": "EMS", "uid": f"UID{n:04d}"},
            type=TokenType.RFID,
            contract_id=f"NL-EMS-C{n:08d}-X",
            issuer="Open eMSP",
            valid=True,
            whitelist=WhitelistType.ALLOWED,
            last_updated=at,
        )
        await ctx.db.run(token_store.insert_token, card, at, None)


_NUMBERS = st.one_of(
    st.none(),
    st.integers(-3, 2**64).map(str),
    st.sampled_from(["2147483647", "2147483648", "1e3", "1.5", "+1", "0x10", "\u0663", " 5"]),
    _TEXT,
)


@PROPERTY
@given(
    offset=_NUMBERS,
    limit=_NUMBERS,
    date_from=st.one_of(st.none(), _DATETIMES, _TEXT),
    date_to=st.one_of(st.none(), _DATETIMES, _TEXT),
)
@pytest.mark.usefixtures("cards")
async def test_tokens_paging_parameters(
    http: httpx.AsyncClient,
    ctx: ReceiverContext,
    hub_headers: dict[str, str],
    offset: str | None,
    limit: str | None,
    date_from: str | None,
    date_to: str | None,
) -> None:
    query = {
        k: v
        for k, v in {
            "offset": offset,
            "limit": limit,
            "date_from": date_from,
            "date_to": date_to,
        }.items()
        if v is not None
    }
    answer = await http.get(f"{V}/tokens", params=query, headers=hub_headers)
    assert answer.status_code < 500, answer.text
    body = answer.json()
    paging_ok = _paging_ok(offset, 0) and _paging_ok(limit, 1)
    dates_sure = all(
        d is None or d == "" or re.fullmatch(r"\d{4}-.*Z", d) for d in (date_from, date_to)
    )
    if paging_ok and dates_sure:
        assert answer.status_code == 200, (query, body)
        validate_response(body, "Token", many=True)
    elif not paging_ok:
        assert (answer.status_code, body["status_code"]) == (400, 2001), (query, body)
    else:
        assert (answer.status_code, body["status_code"]) in ((200, 1000), (400, 2001)), query


_REFERENCES: list[dict[str, Any]] = [
    {"location_id": "LOC-1"},
    {"location_id": "LOC-1", "evse_uids": ["EVSE-1"]},
]


@PROPERTY
@given(
    uid=st.one_of(
        st.sampled_from(["UID0001", "uid0002"]), st.text(_NO_SURROGATES, min_size=1, max_size=40)
    ),
    token_type=st.sampled_from([None, "RFID", "rfid", "APP_USER", "NOT_A_TYPE"]),
    with_body=st.booleans(),
    case=cases(_REFERENCES, "LocationReferences"),
)
@pytest.mark.usefixtures("cards")
async def test_authorize_post(
    http: httpx.AsyncClient,
    ctx: ReceiverContext,
    hub_headers: dict[str, str],
    uid: str,
    token_type: str | None,
    with_body: bool,
    case: Case,
) -> None:
    url = f"{V}/tokens/{quote_id(uid)}/authorize"
    params = {"type": token_type} if token_type else {}
    before = await table_contents(ctx.db)
    content = case.raw if with_body else b""
    answer = await http.post(url, params=params, content=content, headers={**hub_headers, **JSON})
    assert answer.status_code < 500, answer.text
    body = answer.json()
    validate_response(body, None)
    said = (answer.status_code, body["status_code"])
    body_ok = not with_body or case.expect in ("valid", "tolerated")
    if token_type == "NOT_A_TYPE" or (with_body and case.expect == "certain"):
        assert said == (400, 2001), (uid, token_type, case.what, body)
    elif body_ok and uid.upper() in ("UID0001", "UID0002") and token_type in (None, "RFID", "rfid"):
        assert said == (200, 1000), (uid, case.what, body)
        validate_response(body, "AuthorizationInfo")
    elif body_ok:
        assert said in ((404, 2004), (200, 1000)), (uid, token_type, body)
    if answer.status_code >= 400:
        assert differences(before, await table_contents(ctx.db)) == [], case.what


# ------------------------------------------------------------------------------- headers

# What h11 lets through in a header value: no control characters but TAB; Latin-1 beyond ASCII.
_HEADER_VALUE = st.binary(max_size=12).map(
    lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F).strip()
)


@PROPERTY
@given(
    from_cc=_HEADER_VALUE,
    from_pid=_HEADER_VALUE,
    to_cc=_HEADER_VALUE,
    to_pid=_HEADER_VALUE,
    request_id=_HEADER_VALUE,
    url=st.sampled_from([f"{V}/sessions/DE/VOL/S-1", f"{V}/tokens", f"{V}/nowhere"]),
)
@pytest.mark.usefixtures("cards")
async def test_any_routing_and_request_id_headers(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    from_cc: bytes,
    from_pid: bytes,
    to_cc: bytes,
    to_pid: bytes,
    request_id: bytes,
    url: str,
) -> None:
    headers = {k.encode(): v.encode() for k, v in hub_headers.items()} | {
        b"OCPI-from-country-code": from_cc,
        b"OCPI-from-party-id": from_pid,
        b"OCPI-to-country-code": to_cc,
        b"OCPI-to-party-id": to_pid,
        b"X-Request-ID": request_id,
    }
    answer = await http.get(url, headers=headers)
    assert answer.status_code in (200, 404), answer.text
    validate_response(answer.json(), None)


@PROPERTY
@given(
    credential=_HEADER_VALUE,
    scheme=st.sampled_from([b"Token ", b"token ", b"Bearer ", b""]),
    url=st.sampled_from(["/ocpi/versions", "/ocpi/2.2.1/credentials", f"{V}/tokens"]),
)
async def test_any_authorization_header_is_401_unless_it_names_a_partner(
    http: httpx.AsyncClient, scheme: bytes, credential: bytes, url: str
) -> None:
    answer = await http.get(url, headers={b"Authorization": scheme + credential})
    assert answer.status_code == 401, answer.text
    assert answer.json()["status_code"] == 2000


# ------------------------------------------------------------------------------- commands

RESULTS: list[dict[str, Any]] = [
    {"result": "ACCEPTED"},
    {"result": "REJECTED", "message": [{"language": "en", "text": "Charger busy"}]},
]


@pytest.fixture
async def command_sent(ctx: ReceiverContext) -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    command = StoredCommand(
        *("c-1", CommandType.START_SESSION, 1, "DE", "VOL", CommandState.SENDING, at),
        *("LOC-1", "EVSE-1", None, "UID1", "RFID", "ref-1"),
    )
    await ctx.db.run(command_store.claim, command, datetime(2099, 1, 1, tzinfo=UTC))


@PROPERTY
@given(case=cases(RESULTS, "CommandResult"))
@pytest.mark.usefixtures("command_sent")
async def test_command_result_post(
    http: httpx.AsyncClient, ctx: ReceiverContext, hub_headers: dict[str, str], case: Case
) -> None:
    await send(http, ctx, "POST", f"{V}/commands/START_SESSION/c-1", case, hub_headers, ok=(200,))


# ------------------------------------------------------------------------------- credentials

CREDENTIALS = [example(f"credentials_example{n}.json") for n in ("", "2", "3", "4")]
TOKEN_A = "registration-token-prop"


@pytest.fixture
async def unreachable_partner(ctx: ReceiverContext) -> None:
    """A TOKEN_A, and a registering party whose versions cannot be read."""
    ctx.transport = httpx.MockTransport(lambda request: httpx.Response(401))
    await ctx.db.run(partner_store.add_registration_token, TOKEN_A, "property test")


@PROPERTY
@given(case=cases(CREDENTIALS, "Credentials"), method=st.sampled_from(["POST", "PUT"]))
@pytest.mark.usefixtures("unreachable_partner")
async def test_credentials_post_and_put(
    http: httpx.AsyncClient,
    ctx: ReceiverContext,
    hub_headers: dict[str, str],
    case: Case,
    method: str,
) -> None:
    """POST with a TOKEN_A, PUT with a partner's token. The partner's versions cannot be read,
    so even a valid body is refused (3001, HTTP 200); nothing is ever written."""
    headers = auth(TOKEN_A) if method == "POST" else hub_headers
    before = await table_contents(ctx.db)
    answer = await http.request(
        method, "/ocpi/2.2.1/credentials", content=case.raw, headers={**headers, **JSON}
    )
    assert answer.status_code < 500, answer.text
    body = answer.json()
    validate_response(body, None)
    said = (answer.status_code, body["status_code"])
    if case.expect in ("valid", "tolerated"):
        assert said == (200, 3001), (case.what, body)
    elif case.expect == "certain":
        assert answer.status_code == 400, (case.what, body)
        assert body["status_code"] in (2000, 2001), (case.what, body)
    assert differences(before, await table_contents(ctx.db)) == [], case.what
