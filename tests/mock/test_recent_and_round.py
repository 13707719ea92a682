"""Issue #10 bug 15, the mock's data: a network started today was updated recently, and the
CPOs' prices are round incl. VAT (0.49 EUR/kWh, not 0.4998)."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mock_backend.clock import parse_ocpi_datetime
from mock_backend.generator import CPOS, RECENT, Network
from mock_backend.server import MockServer
from mock_backend.sim.pricing import price_periods

from .emsp_stub import EmspStub

AS_OF = parse_ocpi_datetime("2026-12-04T00:40:00Z")
DAY = 86400
CENT, WIRE = Decimal("0.01"), Decimal("0.0001")


def _stamps(location: dict[str, Any]) -> tuple[float, list[float], list[float]]:
    """last_updated epochs of a location, of its EVSEs and of their connectors."""
    evses = location["evses"]
    connectors = [c for e in evses for c in e["connectors"]]
    return (
        parse_ocpi_datetime(location["last_updated"]),
        [parse_ocpi_datetime(e["last_updated"]) for e in evses],
        [parse_ocpi_datetime(c["last_updated"]) for c in connectors],
    )


def _assert_recent(location: dict[str, Any], as_of: float, slack: float = 0) -> None:
    loc, evses, connectors = _stamps(location)
    assert as_of - RECENT - slack <= loc < as_of, location["id"]
    assert all(as_of - RECENT - 20 * DAY <= t <= loc for t in evses)  # statuses: recent too
    assert all(as_of - RECENT - 400 * DAY <= t <= loc for t in connectors)  # installed once


def test_a_network_is_dated_back_from_its_as_of_and_not_from_a_fixed_day() -> None:
    for total in (1, 300, 30_000, 300_000):
        net = Network(5, total, as_of=AS_OF)
        for g in {0, total // 2, total - 1}:
            _assert_recent(net.location_at(g), AS_OF)
        for cpo_no in range(len(CPOS)):
            for tariff in net.tariffs(cpo_no):
                assert AS_OF - 30 * DAY < parse_ocpi_datetime(tariff["last_updated"]) < AS_OF


def test_the_dates_are_seeded_by_the_start_time() -> None:
    net, again = Network(5, 300, as_of=AS_OF), Network(5, 300, as_of=AS_OF)
    later = Network(5, 300, as_of=AS_OF + DAY)
    for g in (0, 150, 299):
        assert net.location_at(g) == again.location_at(g)
        a, b = _stamps(net.location_at(g)), _stamps(later.location_at(g))
        assert b[0] - a[0] == DAY
        assert [y - x for x, y in zip(a[1] + a[2], b[1] + b[2], strict=True)] == [DAY] * len(
            a[1] + a[2]
        )


async def test_the_running_mock_serves_locations_updated_in_the_last_weeks(
    via_hub: EmspStub, mock: MockServer
) -> None:
    async with via_hub.client() as client:
        answer = await client.get(f"{mock.base_url}/ocpi/2.2.1/locations", params={"limit": 300})
    locations = answer.json()["data"]
    assert len(locations) == 300
    now = time.time()
    for location in locations:
        _assert_recent(location, now, slack=60)  # the mock started a moment ago
    newest = max(_stamps(location)[0] for location in locations)
    assert now - newest < 2 * DAY  # the network looks alive, not abandoned


def _components() -> list[tuple[str, dict[str, Any]]]:
    return [
        (tariff["id"], component)
        for cpo in CPOS
        for tariff in Network(1, 0).tariffs(CPOS.index(cpo))
        for element in tariff["elements"]
        for component in element["price_components"]
    ]


def test_every_price_is_round_incl_vat_and_excl_vat_has_four_decimals() -> None:
    for tariff_id, component in _components():
        price, vat = Decimal(repr(component["price"])), Decimal(repr(component["vat"]))
        assert price == price.quantize(WIRE), (tariff_id, price)
        gross = (price * (100 + vat) / 100).quantize(WIRE, ROUND_HALF_UP)
        per = gross / 60 if component["type"] in ("TIME", "PARKING_TIME") else gross  # per minute
        assert gross == gross.quantize(CENT), (tariff_id, gross)
        assert per == per.quantize(CENT), (tariff_id, gross)
        assert price == (gross * 100 / (100 + vat)).quantize(WIRE, ROUND_HALF_UP)


def test_the_price_ladder_looks_like_the_field() -> None:
    ac = {}
    for cpo_no, cpo in enumerate(CPOS):
        std = next(t for t in Network(1, 0).tariffs(cpo_no) if t["id"].endswith("AC-STD"))
        component = std["elements"][0]["price_components"][0]
        ac[cpo.key] = (
            Decimal(repr(component["price"])) * (100 + Decimal(repr(component["vat"]))) / 100
        ).quantize(CENT)
        # the text a driver reads says the same gross price
        english = next(t["text"] for t in std["tariff_alt_text"] if t["language"] == "en")
        assert f"EUR {ac[cpo.key]} per kWh" in english
    assert ac == {
        "DE-VOL": Decimal("0.49"),
        "NL-GLP": Decimal("0.45"),
        "FR-BRS": Decimal("0.42"),
        "BE-FLC": Decimal("0.47"),
    }


def test_the_cpo_bills_what_its_gross_price_says() -> None:
    # 10 kWh at 0.49 incl. VAT: 4.90 to the cent (0.4118 x 10 x 1.19 = 4.90042).
    std = next(t for t in Network(1, 0).tariffs(0) if t["id"].endswith("AC-STD"))
    period = {
        "start_date_time": "2026-12-01T10:00:00Z",
        "tariff_id": std["id"],
        "dimensions": [{"type": "ENERGY", "volume": 10.0}, {"type": "TIME", "volume": 1.0}],
    }
    costs = price_periods(std, [period], "Europe/Berlin")
    assert costs.total.incl_vat.quantize(CENT) == Decimal("4.90")
    assert costs.total.to_price() == {"excl_vat": 4.118, "incl_vat": 4.9004}
