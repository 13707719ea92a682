"""Hostile input at the HTTP boundary (issue #11): each gets HTTP 4xx with an OCPI envelope
(2001, or 2000 for an unknown URL), one log line without a traceback, nothing written, and the
server keeps answering. In process over ASGI, then the same cases over real HTTP (uvicorn)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from emsp_tui.ocpi.enums import CommandType
from emsp_tui.receiver import ReceiverContext, ReceiverServer, create_receiver_app
from emsp_tui.receiver.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH
from emsp_tui.store import commands as command_store
from emsp_tui.store.commands import CommandState, StoredCommand
from tests.ocpi_schemas import validate_response

from .db_snapshot import differences, table_contents
from .payloads import V, cdr, location, session

SESSION = f"{V}/sessions/DE/VOL/S-1"
LOCATION = f"{V}/locations/DE/VOL/LOC-1"
COMMAND = f"{V}/commands/START_SESSION/c-1"
# Every URL that takes a body, with a method it takes one for.
BODY_ENDPOINTS = [
    ("PUT", SESSION),
    ("PATCH", SESSION),
    ("POST", f"{V}/cdrs"),
    ("PUT", LOCATION),
    ("PATCH", LOCATION),
    ("PUT", f"{LOCATION}/EVSE-1"),
    ("PATCH", f"{LOCATION}/EVSE-1"),
    ("PUT", f"{LOCATION}/EVSE-1/1"),
    ("PATCH", f"{LOCATION}/EVSE-1/1"),
    ("POST", f"{V}/tokens/UID0001/authorize"),
    ("POST", COMMAND),
    ("POST", "/ocpi/2.2.1/credentials"),
    ("PUT", "/ocpi/2.2.1/credentials"),
]


def deep(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def envelope(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    validate_response(body, None)
    return body


class LogLines:
    """What the receiver logged: every record at WARNING or above, none with a traceback."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def records(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.levelno >= logging.WARNING]

    def one_refusal(self) -> str:
        found = self.records()
        assert len(found) == 1, [r.getMessage() for r in found]
        (record,) = found
        assert record.levelno == logging.WARNING
        assert record.exc_info is None
        assert record.getMessage().isprintable(), record.getMessage()  # no CR/LF, no ESC
        self.caplog.clear()
        return record.getMessage()


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> LogLines:
    caplog.set_level(logging.WARNING)
    return LogLines(caplog)


async def command_sent(ctx: ReceiverContext) -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    command = StoredCommand(
        *("c-1", CommandType.START_SESSION, 1, "DE", "VOL", CommandState.SENDING, at),
        *("LOC-1", "EVSE-1", None, "UID1", "RFID", "ref-1"),
    )
    await ctx.db.run(command_store.claim, command, datetime(2099, 1, 1, tzinfo=UTC))


async def still_answering(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    answer = await http.get("/ocpi/versions", headers=headers)
    assert answer.status_code == 200
    assert envelope(answer)["status_code"] == 1000


# ------------------------------------------------------------------------- deep nesting


@pytest.mark.parametrize("levels", [1_000, 100_000])
@pytest.mark.parametrize(("method", "url"), BODY_ENDPOINTS)
async def test_deep_json_is_refused_before_parsing(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    ctx: ReceiverContext,
    lines: LogLines,
    method: str,
    url: str,
    levels: int,
) -> None:
    await http.put(LOCATION, json=location(), headers=hub_headers)
    await command_sent(ctx)
    before = await table_contents(ctx.db)
    answer = await http.request(method, url, content=deep(levels), headers=hub_headers)
    assert answer.status_code == 400
    body = envelope(answer)
    assert body["status_code"] == 2001
    assert str(MAX_JSON_DEPTH) in body["status_message"]
    assert "deeper" in lines.one_refusal()
    assert differences(before, await table_contents(ctx.db)) == []
    await still_answering(http, hub_headers)


async def test_nesting_up_to_the_limit_reaches_the_handler(
    http: httpx.AsyncClient, hub_headers: dict[str, str], lines: LogLines
) -> None:
    """32 levels is not refused for depth: the session PUT answers about the fields."""
    answer = await http.put(SESSION, content=deep(MAX_JSON_DEPTH), headers=hub_headers)
    assert (answer.status_code, envelope(answer)["status_code"]) == (400, 2001)
    assert "Invalid Session" in answer.json()["status_message"]
    assert "Invalid Session" in lines.one_refusal()


# ------------------------------------------------------------------------- body size


async def test_a_declared_oversize_body_is_refused_with_413(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext, lines: LogLines
) -> None:
    before = await table_contents(ctx.db)
    big = b" " * (MAX_BODY_BYTES + 1)
    answer = await http.put(LOCATION, content=big, headers=hub_headers)
    assert (answer.status_code, envelope(answer)["status_code"]) == (413, 2001)
    assert "too large" in lines.one_refusal()
    assert differences(before, await table_contents(ctx.db)) == []
    await still_answering(http, hub_headers)


async def test_a_chunked_oversize_body_is_refused_while_it_streams(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext, lines: LogLines
) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(2 * MAX_BODY_BYTES // 65536):
            sent.append(65536)
            yield b" " * 65536

    before = await table_contents(ctx.db)
    answer = await http.put(LOCATION, content=chunks(), headers=hub_headers)
    assert "content-length" not in answer.request.headers
    assert (answer.status_code, envelope(answer)["status_code"]) == (413, 2001)
    assert "chunked" in lines.one_refusal()
    # Read only until past the limit (the in-process transport pulls one chunk per read).
    assert sum(sent) <= MAX_BODY_BYTES + 2 * 65536
    assert differences(before, await table_contents(ctx.db)) == []


async def test_a_big_legitimate_location_fits(
    http: httpx.AsyncClient, hub_headers: dict[str, str], lines: LogLines
) -> None:
    """1,000 EVSEs of two connectors each (about 1 MB) is accepted (the measured case)."""
    body = location()
    evse = body["evses"][0]
    evse["connectors"].append({**evse["connectors"][0], "id": "2"})
    body["evses"] = [
        {**evse, "uid": f"EVSE-{n:04d}", "evse_id": f"DE*VOL*E{n:04d}"} for n in range(1000)
    ]
    answer = await http.put(LOCATION, json=body, headers=hub_headers)
    assert answer.status_code == 200
    assert envelope(answer)["status_code"] == 1000
    assert len(answer.request.content) > 500_000
    assert lines.records() == []


# ------------------------------------------------------------------------- paging parameters

BAD_PAGING = [
    ("offset", "9223372036854775808"),
    ("offset", str(2**31)),
    ("offset", "-1"),
    ("offset", "abc"),
    ("offset", "1e3"),
    ("offset", "1.5"),
    ("offset", "+5"),
    ("offset", "1_000"),
    ("offset", "\u0663"),  # ARABIC-INDIC DIGIT THREE: int() would take it
    ("limit", "0"),
    ("limit", "99999999999999999999"),
    ("limit", "-5"),
    ("date_from", "9999-12-31T23:59:59.5"),
    ("date_from", "0001-01-01T00:00:00+01:00"),
    ("date_to", "yesterday"),
]


@pytest.mark.parametrize(("name", "value"), BAD_PAGING)
async def test_paging_parameters_out_of_range_are_2001(
    http: httpx.AsyncClient, hub_headers: dict[str, str], name: str, value: str
) -> None:
    answer = await http.get(f"{V}/tokens", params={name: value}, headers=hub_headers)
    assert (answer.status_code, envelope(answer)["status_code"]) == (400, 2001)
    assert name in answer.json()["status_message"]


async def test_the_largest_offset_we_take_is_an_empty_page(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    answer = await http.get(f"{V}/tokens", params={"offset": 2**31 - 1}, headers=hub_headers)
    assert answer.status_code == 200
    assert answer.json()["data"] == []


# ------------------------------------------------------------------------- numbers and text

NOT_NUMBERS = [
    b"1e400",
    b"-1e400",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1" + b"0" * 30,  # past SQLite's 64-bit integers
]


@pytest.mark.parametrize("literal", NOT_NUMBERS)
async def test_numbers_we_could_not_store_or_serve_are_refused(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    ctx: ReceiverContext,
    lines: LogLines,
    literal: bytes,
) -> None:
    before = await table_contents(ctx.db)
    raw = httpx.Request("PUT", "/", json=session(kwh=12345)).content
    raw = raw.replace(b'"kwh":12345', b'"kwh":' + literal)
    assert literal in raw
    for method, url, body in (
        ("PUT", SESSION, raw),
        ("POST", f"{V}/cdrs", raw.replace(b'"kwh"', b'"total_energy"')),
    ):
        answer = await http.request(method, url, content=body, headers=hub_headers)
        assert (answer.status_code, envelope(answer)["status_code"]) == (400, 2001), body[:80]
        lines.one_refusal()
    assert differences(before, await table_contents(ctx.db)) == []


async def test_a_cdr_total_of_1e400_is_refused(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    raw = httpx.Request("POST", "/", json=cdr(total_energy=12345)).content
    raw = raw.replace(b'"total_energy":12345', b'"total_energy":1e400')
    answer = await http.post(f"{V}/cdrs", content=raw, headers=hub_headers)
    assert (answer.status_code, envelope(answer)["status_code"]) == (400, 2001)
    assert "out of range" in answer.json()["status_message"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": "\\ud800"}',  # a lone surrogate: parses, cannot be stored
        b"\xff\xfe{\x00}\x00",  # UTF-16 with its byte order mark
        b'{"id": "\xc3\x28"}',  # invalid UTF-8
        b"[1, 2",
    ],
)
async def test_text_that_is_not_utf8_json_is_refused(
    http: httpx.AsyncClient, hub_headers: dict[str, str], lines: LogLines, raw: bytes
) -> None:
    answer = await http.put(SESSION, content=raw, headers=hub_headers)
    assert (answer.status_code, envelope(answer)["status_code"]) == (400, 2001)
    lines.one_refusal()


async def test_a_utf8_byte_order_mark_is_tolerated(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    raw = b"\xef\xbb\xbf" + httpx.Request("PUT", "/", json=session()).content
    answer = await http.put(SESSION, content=raw, headers=hub_headers)
    assert answer.status_code == 201


# ------------------------------------------------------------------------- ids with '/'


async def test_a_cdr_id_with_a_slash_is_served_at_its_location(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    posted = await http.post(f"{V}/cdrs", json=cdr("a/b%c"), headers=hub_headers)
    assert posted.status_code == 201
    location_url = posted.headers["Location"]
    assert location_url.endswith("/cdrs/DE/VOL/a%2Fb%25c")
    for url in (location_url, location_url + "/", location_url.replace("%2F", "%2f")):
        got = await http.get(url, headers=hub_headers)
        assert got.status_code == 200, url
        assert envelope(got)["data"]["id"] == "a/b%c"
    # Not the same as the id split in two.
    split = await http.get(location_url.replace("%2F", "/"), headers=hub_headers)
    assert split.status_code == 404
    assert envelope(split)["status_code"] == 2000


async def test_a_session_id_with_a_slash_round_trips(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    url = f"{V}/sessions/DE/VOL/S%2F1"
    put = await http.put(url, json=session("S/1"), headers=hub_headers)
    assert put.status_code == 201
    patch = {"kwh": 2.5, "last_updated": "2026-03-01T10:05:00Z"}
    assert (await http.patch(url + "/", json=patch, headers=hub_headers)).status_code == 200
    got = await http.get(url, headers=hub_headers)
    assert envelope(got)["data"]["id"] == "S/1"
    assert got.json()["data"]["kwh"] == 2.5


async def test_location_ids_with_slashes_at_every_level(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    body = location("L/1")
    body["evses"][0]["uid"] = "E/1"
    body["evses"][0]["connectors"][0]["id"] = "1/2"
    base = f"{V}/locations/DE/VOL/L%2F1"
    assert (await http.put(base, json=body, headers=hub_headers)).status_code == 200
    patch = {"status": "CHARGING", "last_updated": "2026-03-01T09:30:00Z"}
    assert (await http.patch(f"{base}/E%2F1", json=patch, headers=hub_headers)).status_code == 200
    got = [
        envelope(await http.get(url, headers=hub_headers))["data"]
        for url in (base, f"{base}/E%2F1", f"{base}/E%2F1/1%2F2/")
    ]
    assert (got[0]["id"], got[1]["uid"], got[1]["status"], got[2]["id"]) == (
        "L/1",
        "E/1",
        "CHARGING",
        "1/2",
    )


async def test_authorize_and_command_urls_take_encoded_slashes(
    http: httpx.AsyncClient, hub_headers: dict[str, str]
) -> None:
    unknown = await http.post(f"{V}/tokens/U%2F1/authorize", headers=hub_headers)
    assert (unknown.status_code, envelope(unknown)["status_code"]) == (404, 2004)
    assert "U/1" in unknown.json()["status_message"]
    result = {"result": "ACCEPTED"}
    command = await http.post(f"{V}/commands/START_SESSION/c%2F1", json=result, headers=hub_headers)
    assert (command.status_code, envelope(command)["status_code"]) == (404, 2001)
    assert "c/1" in command.json()["status_message"]


# ------------------------------------------------------------------------- routes and the guard


@pytest.mark.parametrize(
    ("method", "url", "content"),
    [
        ("PUT", f"{V}/sessions/DE/VOL/a%0D%0AWARNING%20forged%1B%5B31m", b"{}"),
        ("GET", f"{V}/no%0Asuch%1B%5B2J", b""),
        ("PUT", f"{V}/sessions/DE/VOL/%1B%5B31m", deep(100)),
    ],
)
async def test_partner_text_in_a_log_line_stays_one_inert_line(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    lines: LogLines,
    method: str,
    url: str,
    content: bytes,
) -> None:
    answer = await http.request(method, url, content=content, headers=hub_headers)
    assert 400 <= answer.status_code < 500
    assert "\\x1b" in lines.one_refusal()


@pytest.mark.parametrize(
    ("method", "url", "http_status"),
    [
        ("GET", "/", 404),
        ("GET", "/ocpi/2.2.1/emsp/nothing", 404),
        ("GET", f"{V}/cdrs/DE/VOL", 404),
        ("PUT", f"{LOCATION}/EVSE-1/1/extra", 404),
        ("PATCH", "/ocpi/versions", 405),
        ("POST", "/ocpi/2.2.1", 405),
        ("PATCH", "/ocpi/2.2.1/credentials", 405),
    ],
)
async def test_unknown_urls_and_methods_answer_an_envelope(
    http: httpx.AsyncClient, hub_headers: dict[str, str], method: str, url: str, http_status: int
) -> None:
    answer = await http.request(method, url, headers=hub_headers)
    assert answer.status_code == http_status
    assert answer.headers["content-type"] == "application/json"
    assert envelope(answer)["status_code"] == 2000
    if http_status == 405:
        assert "GET" in answer.headers["allow"]


@pytest.mark.parametrize("value", [b"\xb5\xb5", b"\xff", b"N", b"NLX"])
async def test_malformed_routing_headers_are_not_echoed(
    http: httpx.AsyncClient, hub_headers: dict[str, str], value: bytes
) -> None:
    """'µ'.upper() is not Latin-1: echoing it back crashed the answer (HTTP 500)."""
    routing = {
        "OCPI-from-country-code": value,
        "OCPI-from-party-id": value + b"X",
        "OCPI-to-country-code": value,
        "OCPI-to-party-id": b"\xb5",
    }
    answer = await http.get(f"{V}/sessions/DE/VOL/S-9", headers={**hub_headers, **routing})
    assert (answer.status_code, envelope(answer)["status_code"]) == (404, 2001)
    assert "ocpi-to-country-code" not in answer.headers
    assert (answer.headers["ocpi-from-country-code"], answer.headers["ocpi-from-party-id"]) == (
        "NL",
        "EMS",
    )


async def test_an_unexpected_error_is_one_line_and_a_500_envelope(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    lines: LogLines,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("emsp_tui.receiver.cdrs.store.get_cdr", broken)
    answer = await http.get(f"{V}/cdrs/DE/VOL/X", headers=hub_headers)
    assert (answer.status_code, envelope(answer)["status_code"]) == (500, 3000)
    (record,) = lines.records()
    assert record.levelno == logging.ERROR
    assert record.exc_info is None
    assert "RuntimeError: disk on fire" in record.getMessage()


# ------------------------------------------------------------------------- over real HTTP


@pytest.fixture
async def served(ctx: ReceiverContext) -> AsyncIterator[httpx.AsyncClient]:
    server = ReceiverServer(create_receiver_app(ctx), port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            yield client
    finally:
        await server.stop()


async def test_hostile_input_over_real_http(
    served: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext, lines: LogLines
) -> None:
    http = served
    await http.put(LOCATION, json=location(), headers=hub_headers)
    before = await table_contents(ctx.db)

    async def oversize_chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 8):
            yield b" " * 65536

    nan = httpx.Request("PUT", "/", json=session(kwh=12345)).content.replace(b"12345", b"NaN")
    huge = nan.replace(b"NaN", b"1e400")
    cases: list[tuple[str, str, dict[str, Any], int, int]] = [
        ("PUT", SESSION, {"content": deep(1_000)}, 400, 2001),
        ("POST", "/ocpi/2.2.1/credentials", {"content": deep(100_000)}, 400, 2001),
        ("PUT", LOCATION, {"content": b" " * (MAX_BODY_BYTES + 1)}, 413, 2001),
        ("PUT", LOCATION, {"content": oversize_chunks()}, 413, 2001),
        ("GET", f"{V}/tokens?offset=9223372036854775808", {}, 400, 2001),
        ("PUT", SESSION, {"content": huge}, 400, 2001),
        ("PUT", SESSION, {"content": nan}, 400, 2001),
        ("GET", f"{V}/no/such/module", {}, 404, 2000),
    ]
    for method, url, extra, http_status, code in cases:
        answer = await http.request(method, url, headers=hub_headers, **extra)
        assert (answer.status_code, envelope(answer)["status_code"]) == (http_status, code), url
        lines.one_refusal()
        await still_answering(http, hub_headers)
    assert differences(before, await table_contents(ctx.db)) == []

    # What we accept with a '/' we serve back.
    posted = await http.post(f"{V}/cdrs", json=cdr("x/y"), headers=hub_headers)
    assert posted.status_code == 201
    # Our public base URL is http://emsp.test (the context's): the path is what we serve.
    got = await http.get(urlsplit(posted.headers["Location"]).path, headers=hub_headers)
    assert got.status_code == 200
    assert envelope(got)["data"]["id"] == "x/y"
