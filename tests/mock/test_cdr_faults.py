"""CDR faults, over real HTTP: what a stub eMSP receives (POSTs via the hub) and what the CDRs
SENDER lists, for a session charged at DE-VOL and finished through the control API."""

from __future__ import annotations

import asyncio
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from mock_backend.clock import iso_utc, parse_ocpi_datetime
from mock_backend.faults import FaultError, parse_fault
from mock_backend.server import MockServer
from mock_backend.sim.pricing import parse_datetime, price_periods
from tests.ocpi_schemas import validate, validate_response

from .emsp_stub import EmspStub, Seen
from .helpers import find_evse

KEYS = ["hub", "DE-VOL", "NL-GLP", "FR-BRS", "BE-FLC"]
CREDIT_KEYS = {"credit", "credit_reference_id"}


async def control(mock: MockServer, method: str, path: str, **json: Any) -> Any:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.request(method, f"{mock.base_url}/mock/{path}", json=json or None)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def set_faults(mock: MockServer, *add: str) -> None:
    await control(mock, "POST", "faults", clear=True, add=list(add))


async def charge_and_finish(
    mock: MockServer, stub: EmspStub, uid: str, cpo: str = "DE-VOL"
) -> tuple[dict[str, Any], float]:
    """Tap a card, charge until some energy is in, finish; (location, wall time of the finish)."""
    stub.authorize[uid] = "ALLOWED"
    location, evse = find_evse(mock, "RFID_READER", cpo=cpo)
    started = await control(
        mock,
        "POST",
        "tap",
        token_uid=uid,
        type="RFID",
        location_id=location["id"],
        evse_uid=evse["uid"],
    )
    assert started["result"] == "started", started
    session_id = started["session_id"]
    await stub.wait_for(
        lambda: any((s.body or {}).get("kwh", 0) > 0 for s in stub.received("PATCH", session_id))
    )
    finished_at = time.time()
    await control(mock, "POST", f"sessions/{session_id}/finish")
    await control(mock, "POST", "flush")
    return location, finished_at


def cdr_posts(stub: EmspStub) -> list[Seen]:
    return stub.received("POST", "/cdrs")


async def listed(stub: EmspStub, mock: MockServer, date_from: str | None = None) -> list[Any]:
    params = {} if date_from is None else {"date_from": date_from}
    async with stub.client() as client:
        answer = await client.get(f"{mock.base_url}/ocpi/2.2.1/cdrs", params=params)
    validate_response(answer.json(), "CDR", many=True)
    found: list[Any] = answer.json()["data"]
    return found


def own_price(cdr: dict[str, Any], location: dict[str, Any]) -> tuple[Any, Any]:
    """The mock's pricing of the CDR's own tariff and periods: (total, by dimension) as Price."""
    costs = price_periods(
        cdr["tariffs"][0],
        cdr["charging_periods"],
        location.get("time_zone"),
        parse_datetime(cdr["start_date_time"]),
    )
    by_dim = {k: v.to_price() for k, v in costs.by_dimension.items()}
    return costs.total.to_price(), by_dim


def dec(value: float) -> Decimal:
    return Decimal(repr(value))


def test_cdr_fault_specs_parse_with_their_defaults_and_bad_values_are_refused() -> None:
    assert parse_fault("de-vol:cdr_overcharge", KEYS).value == 10.0
    assert parse_fault("DE-VOL:cdr-overcharge=25", KEYS).value == 25.0
    assert parse_fault("DE-VOL:cdr_late", KEYS).value == 7200.0
    assert parse_fault("all:cdr_twice", KEYS).value is None
    assert str(parse_fault("NL-GLP:cdr_not_pushed", KEYS)) == "NL-GLP:cdr_not_pushed"
    assert str(parse_fault("NL-GLP:cdr_credit_after", KEYS)) == "NL-GLP:cdr_credit_after"
    for bad in (
        "DE-VOL:cdr_overcharge=-5",
        "DE-VOL:cdr_overcharge=lots",
        "DE-VOL:cdr_late=-1",
        "DE-VOL:cdr_twice=2",
        "DE-VOL:cdr_not_pushed=yes",
    ):
        with pytest.raises(FaultError):
            parse_fault(bad, KEYS)


async def test_without_a_cdr_fault_one_cdr_at_the_own_price_is_pushed_and_listed(
    via_hub: EmspStub, mock: MockServer
) -> None:
    # Faults on the other CPOs must not touch DE-VOL's CDR.
    await set_faults(mock, "NL-GLP:cdr_twice", "FR-BRS:cdr_overcharge=50", "BE-FLC:cdr_late")
    location, _ = await charge_and_finish(mock, via_hub, "CARD-PLAIN")
    posts = cdr_posts(via_hub)
    assert len(posts) == 1
    cdr = posts[0].body
    validate(cdr, "CDR")
    assert not CREDIT_KEYS & cdr.keys()
    total, by_dim = own_price(cdr, location)
    assert cdr["total_cost"] == total
    assert dec(cdr["total_cost"]["excl_vat"]) > 0
    for key, dimension in (("total_energy_cost", "ENERGY"), ("total_time_cost", "TIME")):
        assert cdr.get(key, {"excl_vat": 0.0, "incl_vat": 0.0}) == by_dim[dimension]
    assert await listed(via_hub, mock) == [cdr]
    assert (await control(mock, "GET", "state"))["cdrs_due"] == 0


async def test_cdr_overcharge_bills_more_than_the_tariff_in_the_energy_dimension(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await set_faults(mock, "DE-VOL:cdr_overcharge=25")
    location, _ = await charge_and_finish(mock, via_hub, "CARD-OVER")
    posts = cdr_posts(via_hub)
    assert len(posts) == 1
    cdr = posts[0].body
    validate(cdr, "CDR")
    total, by_dim = own_price(cdr, location)  # the tariff and periods are left as priced
    for key in ("excl_vat", "incl_vat"):
        right = dec(total[key])
        assert right > 0
        extra = (right / 4).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert abs(dec(cdr["total_cost"][key]) - right * Decimal("1.25")) <= Decimal("0.005")
        assert dec(cdr["total_cost"][key]) == right + extra
        energy = dec(by_dim["ENERGY"][key])
        assert dec(cdr["total_energy_cost"][key]) == energy + extra
    assert cdr.get("total_time_cost", {"excl_vat": 0.0, "incl_vat": 0.0}) == by_dim["TIME"]
    assert await listed(via_hub, mock) == [cdr]


async def test_cdr_credit_after_sends_the_cdr_its_full_credit_and_a_new_cdr(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await set_faults(mock, "DE-VOL:cdr_credit_after")
    location, _ = await charge_and_finish(mock, via_hub, "CARD-CREDIT")
    first, credit, again = (s.body for s in cdr_posts(via_hub))
    for body in (first, credit, again):
        validate(body, "CDR")
    assert not CREDIT_KEYS & first.keys()
    assert first["total_cost"] == own_price(first, location)[0]
    assert credit["id"] == f"{first['id']}-C"
    assert credit["credit"] is True
    assert credit["credit_reference_id"] == first["id"]
    assert credit["total_cost"] == {k: -v for k, v in first["total_cost"].items()}
    assert all(v < 0 for v in credit["total_cost"].values())
    same = {k: v for k, v in credit.items() if k not in CREDIT_KEYS | {"id", "total_cost"}}
    assert same == {k: v for k, v in first.items() if k not in {"id", "total_cost"}}
    assert again["id"] not in (first["id"], credit["id"])
    assert not CREDIT_KEYS & again.keys()
    assert {**again, "id": first["id"]} == first  # no overcharge: the same bill again
    assert await listed(via_hub, mock) == [first, credit, again]


async def test_credit_after_an_overcharge_corrects_to_the_tariff_price(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await set_faults(mock, "DE-VOL:cdr_overcharge", "DE-VOL:cdr_credit_after")
    location, _ = await charge_and_finish(mock, via_hub, "CARD-FIX")
    first, credit, corrected = (s.body for s in cdr_posts(via_hub))
    right = own_price(first, location)[0]
    assert dec(first["total_cost"]["excl_vat"]) > dec(right["excl_vat"])
    assert credit["total_cost"] == {k: -v for k, v in first["total_cost"].items()}
    assert credit["credit_reference_id"] == first["id"]
    assert corrected["total_cost"] == right
    assert corrected["total_energy_cost"] == own_price(first, location)[1]["ENERGY"]


async def test_cdr_twice_posts_the_identical_cdr_twice_and_lists_it_once(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await set_faults(mock, "DE-VOL:cdr_twice")
    await charge_and_finish(mock, via_hub, "CARD-TWICE")
    posts = cdr_posts(via_hub)
    assert len(posts) == 2
    assert posts[0].body == posts[1].body
    validate(posts[0].body, "CDR")
    assert await listed(via_hub, mock) == [posts[0].body]


async def test_cdr_not_pushed_is_only_found_by_the_pull(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await set_faults(mock, "DE-VOL:cdr_not_pushed")
    before = iso_utc(time.time() - 60)
    await charge_and_finish(mock, via_hub, "CARD-PULL")
    await asyncio.sleep(0.3)  # several simulator ticks: nothing more is coming
    await control(mock, "POST", "flush")
    assert cdr_posts(via_hub) == []
    found = await listed(via_hub, mock, date_from=before)
    assert len(found) == 1
    validate(found[0], "CDR")
    assert found[0]["cdr_token"]["uid"] == "CARD-PULL"
    assert await listed(via_hub, mock, date_from=iso_utc(time.time() + 1)) == []


async def test_cdr_late_arrives_after_the_delay_with_its_dates_unchanged(
    via_hub: EmspStub, mock: MockServer
) -> None:
    await set_faults(mock, "DE-VOL:cdr_late=2400")  # 2400 simulated s = 4 s at 600x
    before = iso_utc(time.time() - 60)
    _, finished_at = await charge_and_finish(mock, via_hub, "CARD-LATE")
    assert cdr_posts(via_hub) == []
    assert await listed(via_hub, mock) == []  # the CPO has not made it yet
    assert (await control(mock, "GET", "state"))["cdrs_due"] == 1
    seen = await via_hub.wait_for(lambda: next(iter(cdr_posts(via_hub)), None), within=10)
    arrived = time.time()
    assert arrived - finished_at >= 3.9
    cdr = seen.body
    validate(cdr, "CDR")
    stamped = parse_ocpi_datetime(cdr["last_updated"])
    assert abs(stamped - finished_at) < 1.5  # the session end, not the push time
    assert arrived - stamped >= 3.9
    session = (await listed_sessions(via_hub, mock))[0]
    assert cdr["end_date_time"] == session["end_date_time"]
    await control(mock, "POST", "flush")
    assert len(cdr_posts(via_hub)) == 1
    assert await listed(via_hub, mock, date_from=before) == [cdr]
    # a pull from after its last_updated misses it (an eMSP must pull with an overlap)
    assert await listed(via_hub, mock, date_from=iso_utc(stamped + 0.5)) == []
    assert (await control(mock, "GET", "state"))["cdrs_due"] == 0


async def listed_sessions(stub: EmspStub, mock: MockServer) -> list[Any]:
    async with stub.client() as client:
        answer = await client.get(f"{mock.base_url}/ocpi/2.2.1/sessions")
    found: list[Any] = answer.json()["data"]
    return found
