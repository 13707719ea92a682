"""Lenient reading (issue #11): what real partners send, read where the meaning is unambiguous,
one warning and one report per deviation; strict mode refuses it; what stays ambiguous stays
invalid."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from emsp_tui.ocpi import lenient
from emsp_tui.ocpi.enums import CommandResponseType, CommandType
from emsp_tui.ocpi.errors import OcpiNotSentError, OcpiProtocolError, OcpiTransportError
from emsp_tui.ocpi.lenient import Deviation, normalise_object
from emsp_tui.ocpi.models import CommandResponse, Location, StopSession

from .client_support import Peer, ocpi

COMMANDS = "https://cpo/ocpi/2.2.1/commands"
STOP = StopSession(response_url="https://emsp/commands/STOP_SESSION/42", session_id="S1")


async def send(peer: Peer, **options: Any) -> tuple[CommandResponse, list[Deviation]]:
    seen: list[Deviation] = []
    async with peer.client(peer="NL-DEV", on_deviation=seen.append, **options) as client:
        response = await client.send_command(COMMANDS, CommandType.STOP_SESSION, STOP)
    return response, seen


@pytest.mark.parametrize(
    ("data", "kinds"),
    [
        ({"result": "ACCEPTED", "timeout": 20}, []),
        ([{"result": "ACCEPTED", "timeout": 20}], [lenient.WRAPPED_OBJECT]),
        ({"result": "ACCEPTED", "timeout": 20, "message": None}, [lenient.NULL_FIELD]),
        ({"result": "ACCEPTED"}, [lenient.MISSING_TIMEOUT]),
        (
            [{"result": "ACCEPTED", "message": None}],
            [lenient.WRAPPED_OBJECT, lenient.NULL_FIELD, lenient.MISSING_TIMEOUT],
        ),
    ],
    ids=["conformant", "wrapped", "null", "no-timeout", "all-three"],
)
async def test_a_command_response_is_read_and_each_deviation_reported_once(
    data: Any, kinds: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "emsp_tui.ocpi.client")
    response, seen = await send(Peer(lambda r: ocpi(data)))
    assert response.result == CommandResponseType.ACCEPTED
    expected_timeout = lenient.DEFAULT_COMMAND_TIMEOUT if lenient.MISSING_TIMEOUT in kinds else 20
    assert response.timeout == expected_timeout
    assert [d.kind for d in seen] == kinds
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == len(kinds)
    assert all(w.startswith("NL-DEV deviates from OCPI 2.2.1") for w in warnings)


async def test_strict_mode_refuses_a_wrapped_response_as_a_protocol_error() -> None:
    peer = Peer(lambda r: ocpi([{"result": "ACCEPTED", "timeout": 20}]))
    with pytest.raises(OcpiProtocolError) as refused:
        await send(peer, strict=True)
    assert refused.value.http_status == 200
    assert "strict mode" in str(refused.value)
    assert "wrapped in a one-element list" in str(refused.value)


@pytest.mark.parametrize(
    "data",
    [[], [{"result": "ACCEPTED", "timeout": 1}, {"result": "REJECTED", "timeout": 1}], ["x"]],
    ids=["empty-list", "two-objects", "not-an-object"],
)
async def test_what_stays_ambiguous_stays_invalid(data: Any) -> None:
    with pytest.raises(OcpiProtocolError):
        await send(Peer(lambda r: ocpi(data)))


async def test_a_null_in_a_required_field_is_still_invalid() -> None:
    with pytest.raises(OcpiProtocolError):
        await send(Peer(lambda r: ocpi({"result": None, "timeout": 20})))


def location(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "country_code": "NL", "party_id": "DEV", "id": "L1", "publish": True,
        "address": "Stationsplein 1", "city": "Utrecht", "country": "NLD",
        "coordinates": {"latitude": "52.089400", "longitude": "5.110200"},
        "time_zone": "Europe/Amsterdam", "last_updated": "2025-03-01T12:00:00Z",
    }  # fmt: skip
    base.update(changes)
    return base


async def test_pages_are_read_item_by_item_and_deviations_counted_per_page() -> None:
    items = [location(id=f"L{n}", postal_code=None, operator={"name": "X", "logo": None})
             for n in range(3)] + [location(id="L9")]  # fmt: skip
    peer = Peer(lambda r: ocpi(items))
    seen: list[Deviation] = []
    async with peer.client(on_deviation=seen.append) as client:
        pages = [p async for p in client.iter_objects("https://cpo/locations", Location)]
    [(valid, rejected)] = pages
    assert (len(valid), rejected) == (4, [])
    assert [(d.kind, d.count) for d in seen] == [(lenient.NULL_FIELD, 3)]  # one report a page
    assert "postal_code" in seen[0].detail
    assert "operator.logo" in seen[0].detail


async def test_strict_pages_reject_the_items_that_deviate() -> None:
    peer = Peer(lambda r: ocpi([location(id="L1", postal_code=None), location(id="L2")]))
    async with peer.client(strict=True) as client:
        [(valid, rejected)] = [p async for p in client.iter_objects("https://cpo/l", Location)]
    assert [loc.id for loc in valid] == ["L2"]
    assert [r.object_id for r in rejected] == ["L1"]
    assert "strict mode" in rejected[0].reason


def test_normalising_names_paths_never_values() -> None:
    secret = "do-not-log-me"
    fixed, found = normalise_object([{"result": "ACCEPTED", "timeout": 5, "x": None,
                                      "message": [{"language": "en", "text": secret}]}],
                                    "CommandResponse")  # fmt: skip
    assert fixed == {"result": "ACCEPTED", "timeout": 5,
                     "message": [{"language": "en", "text": secret}]}  # fmt: skip
    assert all(secret not in d.detail for d in found)
    _, found = normalise_object({"result": "ACCEPTED", "timeout": 5, "\x1b[2Jx": None}, "C")
    assert found[0].detail == "C: null in ?[2Jx"  # a partner's field name cannot move the cursor


async def test_a_refused_connection_is_known_not_to_have_been_sent() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with pytest.raises(OcpiNotSentError):
        await send(Peer(refuse))
    with pytest.raises(OcpiTransportError) as dropped:
        await send(Peer(drop))
    assert not isinstance(dropped.value, OcpiNotSentError)  # it may have reached the peer
