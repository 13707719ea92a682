"""The mock CPO's own price calculator (mock_backend.sim.pricing), on hand-computed numbers."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from mock_backend.generator.catalog import CPOS, build_tariffs
from mock_backend.sim.pricing import (
    Money,
    PeriodFacts,
    active_elements,
    next_switch,
    price_periods,
    restrictions_match,
    select_tariff,
)

D = Decimal
VOL = {t["id"].split("-", 1)[1]: t for t in build_tariffs(CPOS[0])}  # DE-VOL, VAT 19 %


def period(start: str, tariff_id: str | None = "T1", **dims: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start_date_time": start,
        "dimensions": [{"type": k, "volume": v} for k, v in dims.items()],
    }
    if tariff_id is not None:
        out["tariff_id"] = tariff_id
    return out


def comp(kind: str, price: float, vat: float | None = 21.0, step: int = 1) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind, "price": price, "step_size": step}
    if vat is not None:
        out["vat"] = vat
    return out


# Reference section 7.2.
T1: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "MCP",
    "id": "T1",
    "currency": "EUR",
    "elements": [
        {"price_components": [comp("FLAT", 1.00)]},
        {"restrictions": {"max_power": 22.0}, "price_components": [comp("ENERGY", 0.35)]},
        {"price_components": [comp("ENERGY", 0.55)]},
        {
            "restrictions": {"start_time": "09:00", "end_time": "18:00"},
            "price_components": [comp("PARKING_TIME", 6.00, step=300)],
        },
    ],
    "last_updated": "2025-01-10T08:00:00Z",
}
T1_PERIODS = [  # Wed 2025-01-15, Amsterdam = UTC+1
    period("2025-01-15T15:40:00Z", ENERGY=25, MAX_POWER=50),
    period("2025-01-15T16:10:00Z", ENERGY=5.5, MAX_POWER=11),
    period("2025-01-15T16:40:00Z", PARKING_TIME=0.2833),
]


def test_worked_example_of_the_reference() -> None:
    costs = price_periods(T1, T1_PERIODS, "Europe/Amsterdam")
    # FLAT 1.00 | 25 kWh at 50 kW: element 2 (50 >= 22), 13.75 | 5.5 kWh at 11 kW: element 1,
    # 1.925 | parking 17:40-17:57 local inside 09-18: 0.2833 h = 1019.88 s -> 1200 s, 2.00.
    assert costs.total == Money(D("18.675"), D("22.59675"))
    assert costs.by_dimension["FLAT"] == Money(D("1.00"), D("1.21"))
    assert costs.by_dimension["ENERGY"] == Money(D("15.675"), D("18.96675"))
    assert costs.by_dimension["PARKING_TIME"] == Money(D("2.00"), D("2.42"))
    assert costs.by_dimension["TIME"] == Money()
    assert [(line.period, line.dimension, line.element) for line in costs.lines] == [
        (0, "FLAT", 0),
        (0, "ENERGY", 2),
        (1, "ENERGY", 1),
        (2, "PARKING_TIME", 3),
    ]
    assert costs.lines[-1].quantity * 60 == 20  # minutes billed
    assert costs.total.to_price() == {"excl_vat": 18.675, "incl_vat": 22.5968}


def test_worked_example_with_an_energy_step_of_one_kwh() -> None:
    tariff = copy.deepcopy(T1)
    for element in tariff["elements"][1:3]:
        element["price_components"][0]["step_size"] = 1000
    costs = price_periods(tariff, T1_PERIODS, "Europe/Amsterdam")
    # 30.5 kWh -> 31 kWh; the extra 0.5 kWh in the last energy period at 0.35:
    # 1.00 + 13.75 + 6.0 x 0.35 (2.10) + 2.00 = 18.85; incl. 1.21 + 16.6375 + 2.541 + 2.42.
    assert costs.total == Money(D("18.85"), D("22.8085"))
    assert costs.lines[2].quantity == 6


def test_worked_example_parking_after_six_is_free() -> None:
    periods = [*T1_PERIODS[:2], period("2025-01-15T17:05:00Z", PARKING_TIME=0.2833)]  # 18:05 local
    costs = price_periods(T1, periods, "Europe/Amsterdam")
    assert costs.total == Money(D("16.675"), D("20.17675"))  # 1.00 + 15.675, no parking line
    assert costs.by_dimension["PARKING_TIME"] == Money()


def test_per_kwh_rounds_the_energy_up_to_the_next_wh_once() -> None:
    tariff = VOL["AC-STD"]  # 0.4118 per kWh (0.49 incl.), 19 % VAT, step_size 1 (Wh)
    periods = [
        period("2025-08-04T08:00:00Z", tariff["id"], ENERGY=6.1721, TIME=0.5),
        period("2025-08-04T08:30:00Z", tariff["id"], ENERGY=6.1721, TIME=0.5),
    ]
    costs = price_periods(tariff, periods, "Europe/Berlin")
    # 12.3442 kWh = 12344.2 Wh -> 12345 Wh (per period it would be 2 x 6173 = 12346):
    # 12.345 x 0.4118 = 5.083671; x 1.19 = 6.04956849.
    assert costs.total == Money(D("5.083671"), D("6.04956849"))
    assert costs.total.to_price() == {"excl_vat": 5.0837, "incl_vat": 6.0496}


def test_per_kwh_plus_idle_fee_after_the_grace_period() -> None:
    tariff = VOL["AC-IDLE"]  # 0.4118/kWh; PARKING_TIME 5.042/h (6.00 incl.) from age 4 h
    tid = tariff["id"]
    periods = [
        period("2025-08-04T10:00:00Z", tid, ENERGY=22.0, TIME=3.0, MAX_POWER=11.0),
        period("2025-08-04T13:00:00Z", tid, PARKING_TIME=1.0),  # age 3 h: within the grace
        period("2025-08-04T14:00:00Z", tid, PARKING_TIME=0.5),  # age 4 h: billed
    ]
    costs = price_periods(tariff, periods, "Europe/Berlin")
    # 22 x 0.4118 = 9.0596; 0.5 h x 5.042 = 2.521; total 11.5806, x 1.19 = 13.780914.
    assert costs.total == Money(D("11.5806"), D("13.780914"))
    assert costs.by_dimension["PARKING_TIME"] == Money(D("2.521"), D("2.99999"))
    # Restrictions are read at a period's start: one period over the boundary stays free,
    # which is why the simulator starts a new period at the boundary.
    merged = [periods[0], period("2025-08-04T13:00:00Z", tid, PARKING_TIME=1.5)]
    assert price_periods(tariff, merged, "Europe/Berlin").by_dimension["PARKING_TIME"] == Money()


def test_session_fee_is_billed_once() -> None:
    tariff = VOL["AC-FEE"]  # FLAT 0.4202 (0.50 incl.) + 0.4118/kWh
    tid = tariff["id"]
    periods = [
        period("2025-08-04T10:00:00Z", tid, ENERGY=10.0, TIME=1.0),
        period("2025-08-04T11:00:00Z", tid, ENERGY=5.0, TIME=0.5),
    ]
    costs = price_periods(tariff, periods, "Europe/Berlin")
    # 0.4202 + 15 x 0.4118 = 6.5972; x 1.19 = 7.850668.
    assert costs.total == Money(D("6.5972"), D("7.850668"))
    assert [line.dimension for line in costs.lines].count("FLAT") == 1


def test_peak_and_off_peak_by_local_time_of_day() -> None:
    tariff = VOL["AC-PEAK"]  # 0.4958 from 07:00 to 22:00 local, else 0.3277; Berlin = UTC+2
    tid = tariff["id"]
    periods = [
        period("2025-08-04T19:30:00Z", tid, ENERGY=5.0, TIME=0.5),  # 21:30 local: peak
        period("2025-08-04T20:00:00Z", tid, ENERGY=6.0, TIME=8.5),  # 22:00: off-peak
        period("2025-08-05T04:30:00Z", tid, ENERGY=2.0, TIME=0.5),  # 06:30: off-peak
        period("2025-08-05T05:00:00Z", tid, ENERGY=1.0, TIME=0.5),  # 07:00: peak
    ]
    costs = price_periods(tariff, periods, "Europe/Berlin")
    # 5 x 0.4958 + 6 x 0.3277 + 2 x 0.3277 + 1 x 0.4958 = 2.479 + 1.9662 + 0.6554 + 0.4958.
    assert costs.total.excl_vat == D("5.5964")
    assert [line.element for line in costs.lines] == [0, 1, 1, 0]
    # The same instants in Lisbon (UTC+1) are an hour earlier locally: 20:30, 21:00, 05:30, 06:00.
    assert [line.element for line in price_periods(tariff, periods, "Europe/Lisbon").lines] == [
        0,
        0,
        1,
        1,
    ]


def test_price_by_power_class() -> None:
    tariff = VOL["DC-POWER"]  # 0.5462 below 50 kW (max_power exclusive), 0.6639 from 50 kW
    tid = tariff["id"]
    periods = [
        period("2025-08-04T10:00:00Z", tid, ENERGY=30.0, TIME=0.25, MAX_POWER=150.0),
        period("2025-08-04T10:15:00Z", tid, ENERGY=20.0, TIME=0.5, MAX_POWER=49.9999),
        period("2025-08-04T10:45:00Z", tid, ENERGY=1.0, TIME=0.02, MAX_POWER=50.0),
    ]
    costs = price_periods(tariff, periods, "Europe/Berlin")
    # 30 x 0.6639 + 20 x 0.5462 + 1 x 0.6639 = 19.917 + 10.924 + 0.6639 = 31.5049;
    # x 1.19 = 37.490831.
    assert costs.total == Money(D("31.5049"), D("37.490831"))
    assert [line.element for line in costs.lines] == [1, 0, 1]
    # Without MAX_POWER the average power (ENERGY / TIME) decides: 1 kWh in 0.1 h = 10 kW.
    no_max = [period("2025-08-04T10:00:00Z", tid, ENERGY=1.0, TIME=0.1)]
    assert price_periods(tariff, no_max, "UTC").lines[0].element == 0


def test_dc_blocking_fee_prices_time_and_parking_after_45_minutes() -> None:
    tariff = VOL["DC-BLOCK"]  # 0.5462/kWh; TIME and PARKING_TIME 5.042/h from minute 45
    tid = tariff["id"]
    periods = [
        period("2025-08-04T10:00:00Z", tid, ENERGY=30.0, TIME=0.75),
        period("2025-08-04T10:45:00Z", tid, ENERGY=10.0, TIME=0.25),
        period("2025-08-04T11:00:00Z", tid, PARKING_TIME=0.1),
    ]
    costs = price_periods(tariff, periods, "Europe/Berlin")
    # 40 x 0.5462 = 21.848; 0.25 h x 5.042 = 1.2605; 0.1 h x 5.042 = 0.5042: 23.6127.
    assert costs.total.excl_vat == D("23.6127")
    assert costs.by_dimension["TIME"].excl_vat == D("1.2605")
    assert costs.by_dimension["PARKING_TIME"].excl_vat == D("0.5042")


def test_time_and_parking_steps_round_their_total_once() -> None:
    tariff = {
        "id": "S",
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    comp("TIME", 1.20, vat=None, step=300),
                    comp("PARKING_TIME", 1.00, vat=None, step=300),
                ]
            }
        ],
    }
    periods = [
        period("2025-08-04T16:55:00Z", "S", ENERGY=2.0, TIME=10 / 60),
        period("2025-08-04T17:05:00Z", "S", PARKING_TIME=2 / 60),
    ]
    costs = price_periods(tariff, periods, "UTC")
    # Volumes carry float noise: 0.16666.. h and 0.03333.. h add up to ~720 s; rounded up to
    # 900 s, the extra ~180 s is billed in the last (parking) period:
    # TIME 600 s x 1.20/h = 0.20, PARKING 300 s x 1.00/h = 0.08333...; no VAT: incl = excl.
    assert costs.by_dimension["TIME"].excl_vat.quantize(D("0.000001")) == D("0.200000")
    assert costs.by_dimension["PARKING_TIME"].excl_vat.quantize(D("0.000001")) == D("0.083333")
    assert costs.total.incl_vat == costs.total.excl_vat


def test_absent_vat_means_no_vat_and_zero_vat_is_zero() -> None:
    tariff = {
        "id": "V",
        "currency": "EUR",
        "elements": [
            {"price_components": [comp("ENERGY", 0.30, vat=None), comp("FLAT", 1.0, vat=0.0)]}
        ],
    }
    costs = price_periods(tariff, [period("2025-08-04T10:00:00Z", "V", ENERGY=10.0)], "UTC")
    assert costs.total == Money(D("4.0"), D("4.0"))
    assert costs.lines[0].vat == 0
    assert costs.lines[1].vat is None


def test_min_and_max_price_clamp_excl_and_incl_separately() -> None:
    base = {
        "id": "M",
        "currency": "EUR",
        "elements": [{"price_components": [comp("ENERGY", 0.25, vat=20.0)]}],
    }
    low = {**base, "min_price": {"excl_vat": 0.50, "incl_vat": 0.60}}
    one = [period("2025-08-04T10:00:00Z", "M", ENERGY=1.0)]
    assert price_periods(low, one, "UTC").total == Money(D("0.5"), D("0.6"))  # 0.25/0.30 raised
    high = {**base, "max_price": {"excl_vat": 5.00}}
    thirty = [period("2025-08-04T10:00:00Z", "M", ENERGY=30.0)]
    costs = price_periods(high, thirty, "UTC")
    assert costs.total == Money(D("5.0"), D("9.0"))  # 7.50 capped; incl 9.00 has no cap
    assert costs.by_dimension["ENERGY"] == Money(D("7.5"), D("9.0"))


def test_periods_of_another_or_no_tariff_are_free() -> None:
    periods = [
        period("2025-01-15T15:40:00Z", "OTHER", ENERGY=25, MAX_POWER=50),
        period("2025-01-15T16:10:00Z", None, ENERGY=5.5, MAX_POWER=11),
    ]
    costs = price_periods(T1, periods, "Europe/Amsterdam")
    assert costs.total == Money()
    assert costs.lines == ()


def facts(
    local: str, *, age: float = 0, kwh: float = 0, power: float = 0, current: float = 0
) -> PeriodFacts:
    return PeriodFacts(datetime.fromisoformat(local), age, kwh, power, current)


@pytest.mark.parametrize(
    ("restrictions", "local", "expected"),
    [
        ({"start_time": "22:00", "end_time": "06:00"}, "2025-08-04T23:30:00", True),  # wraps
        ({"start_time": "22:00", "end_time": "06:00"}, "2025-08-04T05:59:00", True),
        ({"start_time": "22:00", "end_time": "06:00"}, "2025-08-04T06:00:00", False),
        (
            {"start_time": "18:00", "end_time": "00:00"},
            "2025-08-04T23:59:00",
            True,
        ),  # 00:00 = end of day
        ({"start_time": "18:00", "end_time": "00:00"}, "2025-08-04T00:30:00", False),
        ({"day_of_week": ["SATURDAY", "SUNDAY"]}, "2025-08-09T12:00:00", True),  # a Saturday
        ({"day_of_week": ["SATURDAY", "SUNDAY"]}, "2025-08-08T23:59:00", False),
        ({"start_date": "2025-08-01", "end_date": "2025-09-01"}, "2025-08-31T23:00:00", True),
        ({"start_date": "2025-08-01", "end_date": "2025-09-01"}, "2025-09-01T00:00:00", False),
        ({"reservation": "RESERVATION"}, "2025-08-04T12:00:00", False),
    ],
)
def test_time_restrictions(restrictions: dict[str, Any], local: str, expected: bool) -> None:
    assert restrictions_match(restrictions, facts(local)) is expected


def test_quantity_restrictions_min_inclusive_max_exclusive() -> None:
    at = "2025-08-04T12:00:00"
    assert restrictions_match({"min_kwh": 20}, facts(at, kwh=20))
    assert not restrictions_match({"max_kwh": 20}, facts(at, kwh=20))
    assert restrictions_match({"min_power": 50.0}, facts(at, power=50.0))
    assert not restrictions_match({"max_power": 50.0}, facts(at, power=50.0))
    assert restrictions_match({"min_current": 16, "max_current": 32}, facts(at, current=16))
    assert not restrictions_match({"min_current": 16, "max_current": 32}, facts(at, current=32))
    assert restrictions_match({"min_duration": 2700}, facts(at, age=2700))
    assert not restrictions_match({"max_duration": 2700}, facts(at, age=2700))


def test_first_matching_element_per_dimension() -> None:
    tariff = {
        "elements": [
            {"price_components": [comp("ENERGY", 0.20)], "restrictions": {"max_kwh": 10}},
            {"price_components": [comp("ENERGY", 0.30), comp("TIME", 1.0)]},
            {"price_components": [comp("TIME", 2.0)]},
        ]
    }
    early, late = facts("2025-08-04T12:00:00", kwh=5), facts("2025-08-04T12:00:00", kwh=10)
    assert active_elements(tariff, early) == {
        "FLAT": None,
        "ENERGY": 0,
        "TIME": 1,
        "PARKING_TIME": None,
    }
    assert active_elements(tariff, late)["ENERGY"] == 1


def test_next_switch_finds_time_of_day_midnight_and_session_age() -> None:
    peak, berlin = VOL["AC-PEAK"], "Europe/Berlin"
    start = datetime(2025, 8, 4, 12, 0, tzinfo=UTC)
    assert next_switch(peak, berlin, start, start) == datetime(
        2025, 8, 4, 20, 0, tzinfo=UTC
    )  # 22:00
    after = datetime(2025, 8, 4, 20, 0, tzinfo=UTC)
    assert next_switch(peak, berlin, start, after) == datetime(
        2025, 8, 5, 5, 0, tzinfo=UTC
    )  # 07:00
    idle = VOL["AC-IDLE"]
    assert next_switch(idle, berlin, start, start) == datetime(
        2025, 8, 4, 16, 0, tzinfo=UTC
    )  # +4 h
    assert next_switch(idle, berlin, start, datetime(2025, 8, 4, 16, 0, tzinfo=UTC)) is None
    weekend = {
        "elements": [
            {"price_components": [comp("ENERGY", 0.2)], "restrictions": {"day_of_week": ["SUNDAY"]}}
        ]
    }
    assert next_switch(weekend, berlin, start, start) == datetime(2025, 8, 4, 22, 0, tzinfo=UTC)
    assert next_switch(VOL["AC-STD"], berlin, start, start) is None
    # Summer time ends on 2025-10-26: 22:00 local is 20:00Z the day before, 07:00 then is 06:00Z.
    autumn = datetime(2025, 10, 25, 20, 0, tzinfo=UTC)
    assert next_switch(peak, berlin, autumn, autumn) == datetime(2025, 10, 26, 6, 0, tzinfo=UTC)


def test_select_tariff_skips_ad_hoc_and_expired() -> None:
    at = datetime(2025, 8, 4, 12, 0, tzinfo=UTC)
    expired = {**VOL["AC-STD"], "id": "OLD", "end_date_time": "2025-08-01T00:00:00Z"}
    assert select_tariff([VOL["ADHOC"], expired, VOL["AC-FEE"]], at) is VOL["AC-FEE"]
    assert select_tariff([VOL["ADHOC"]], at) is None
    assert select_tariff([], at) is None
