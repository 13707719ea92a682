"""One test (at least) per restriction type. Unless said otherwise: Europe/Berlin, planned
charges at 10 kW, an element at 0.20/kWh with the restriction, a fallback at 0.40/kWh, no VAT.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from emsp_tui.ocpi.enums import TariffDimensionType as Dim
from emsp_tui.ocpi.models import Tariff
from emsp_tui.tariff import ActualCharge, Money, PlannedCharge, TariffPrice, price_charge
from emsp_tui.tariff.restrictions import in_time_window

from .tariff_support import BERLIN, D, el, local, pc, period, tariff


def two_rate(**restrictions: Any) -> Tariff:
    return tariff(el(pc("ENERGY", 0.20), **restrictions), el(pc("ENERGY", 0.40)))


def charge(t: Tariff, clock: str, hours: float, kw: float = 10, **more: Any) -> TariffPrice:
    plan = PlannedCharge(start=local(clock), energy_kwh=hours * kw, power_kw=kw, **more)
    return price_charge(t, plan, BERLIN)


def energy_elements(price: TariffPrice) -> list[int]:
    return [s.elements[Dim.ENERGY] for s in price.slices if Dim.ENERGY in s.elements]


H = 3600


@pytest.mark.parametrize(
    ("start", "end", "second", "inside"),
    [
        ("09:00", "18:00", 9 * H, True),
        ("09:00", "18:00", 18 * H - 1, True),
        ("09:00", "18:00", 18 * H, False),
        ("09:00", "18:00", 9 * H - 60, False),
        ("22:00", "06:00", 23 * H, True),  # wraps past midnight
        ("22:00", "06:00", 2 * H, True),
        ("22:00", "06:00", 6 * H, False),
        ("22:00", "06:00", 12 * H, False),
        ("20:00", "00:00", 24 * H - 1, True),  # 00:00 = end of the day
        ("20:00", "00:00", 0, False),
        ("00:00", "00:00", 12 * H, True),  # whole day
        ("10:00", "10:00", 3 * H, True),
        (None, "07:00", 7 * H - 1, True),
        (None, "07:00", 7 * H, False),
        ("17:00", None, 17 * H, True),
        ("17:00", None, 17 * H - 1, False),
    ],
)
def test_time_window(start: str | None, end: str | None, second: int, inside: bool) -> None:
    assert in_time_window(start, end, second) is inside


def test_time_window_switches_mid_charge() -> None:
    # 08:30-09:30, window 09:00-18:00: 5 kWh x 0.40 + 5 kWh x 0.20 = 3.00.
    price = charge(two_rate(start_time="09:00", end_time="18:00"), "2025-01-13 08:30", 1)
    assert price.excl_vat == D("3.00")
    assert energy_elements(price) == [1, 0]
    assert [s.quantities.energy_kwh for s in price.slices] == [D(5), D(5)]


@pytest.mark.parametrize(
    ("clock", "elements"),
    [("2025-01-13 21:00", [1, 0]), ("2025-01-14 05:00", [0, 1]), ("2025-01-14 02:00", [0])],
)
def test_time_window_wrapping_past_midnight(clock: str, elements: list[int]) -> None:
    # Night 22:00-06:00. Two hours across a boundary: 10 x 0.40 + 10 x 0.20 = 6.00.
    price = charge(
        two_rate(start_time="22:00", end_time="06:00"), clock, 2 if len(elements) == 2 else 1
    )
    assert energy_elements(price) == elements
    assert price.excl_vat == (D("6.00") if len(elements) == 2 else D("2.00"))


def test_end_time_midnight_is_end_of_day() -> None:
    # 20:00-00:00; 23:00-01:00: first hour inside (0.20), after midnight outside (0.40).
    price = charge(two_rate(start_time="20:00", end_time="00:00"), "2025-01-13 23:00", 2)
    assert energy_elements(price) == [0, 1]
    assert price.excl_vat == D("6.00")


@pytest.mark.parametrize(
    ("clock", "elements"),
    [("2025-02-28 23:00", [1, 0]), ("2025-03-01 23:00", [0, 1])],  # start incl., end excl.
)
def test_date_window(clock: str, elements: list[int]) -> None:
    t = two_rate(start_date="2025-03-01", end_date="2025-03-02")
    price = charge(t, clock, 2)
    assert energy_elements(price) == elements
    assert price.excl_vat == D("6.00")


@pytest.mark.parametrize(
    ("clock", "elements"),
    [("2025-01-17 23:00", [1, 0]), ("2025-01-19 23:00", [0, 1])],  # Fri->Sat, Sun->Mon
)
def test_day_of_week(clock: str, elements: list[int]) -> None:
    price = charge(two_rate(day_of_week=["SATURDAY", "SUNDAY"]), clock, 2)
    assert energy_elements(price) == elements


def test_day_of_week_is_judged_at_the_moment_not_at_window_start() -> None:
    # "Friday 22:00-06:00": Saturday 00:30 is a Saturday, so the element no longer applies.
    t = two_rate(start_time="22:00", end_time="06:00", day_of_week=["FRIDAY"])
    price = charge(t, "2025-01-17 23:00", 2)
    assert energy_elements(price) == [0, 1]


def test_max_kwh_first_kwh_free_cut_exactly_at_the_threshold() -> None:
    # First 5 kWh free, then 0.30; 20 kWh at 7 kW (5 kWh is not a whole microsecond):
    # 15 x 0.30 = 4.50.
    t = tariff(el(pc("ENERGY", 0), max_kwh=5), el(pc("ENERGY", 0.30)))
    price = charge(t, "2025-01-13 10:00", 20 / 7, kw=7)
    assert price.excl_vat == D("4.50")
    assert [s.quantities.energy_kwh for s in price.slices] == [D(5), D(15)]
    assert energy_elements(price) == [0, 1]


def test_min_kwh() -> None:
    # From 10 kWh on 0.50, before 0.30: 10 x 0.30 + 10 x 0.50 = 8.00.
    t = tariff(el(pc("ENERGY", 0.50), min_kwh=10), el(pc("ENERGY", 0.30)))
    assert charge(t, "2025-01-13 10:00", 2).excl_vat == D("8.00")


def test_kwh_restrictions_on_actual_periods_use_energy_so_far() -> None:
    t = tariff(el(pc("ENERGY", 0), max_kwh=5), el(pc("ENERGY", 0.30)))
    start = local("2025-01-13 10:00")
    periods = [period(start, ENERGY=5), period(start + timedelta(minutes=30), ENERGY=3)]
    price = price_charge(t, ActualCharge(periods, end=start + timedelta(hours=1)), BERLIN)
    assert price.excl_vat == D("0.90")  # 0 + 3 x 0.30


def current_tariff(**restrictions: Any) -> Tariff:
    return tariff(el(pc("TIME", 2.00), **restrictions), el(pc("TIME", 1.00)))


@pytest.mark.parametrize(
    ("restrictions", "amps", "expected"),
    [
        ({"min_current": 32}, 40, "2.00"),
        ({"min_current": 32}, 32, "2.00"),  # inclusive
        ({"min_current": 32}, 16, "1.00"),
        ({"max_current": 32}, 16, "2.00"),
        ({"max_current": 32}, 32, "1.00"),  # exclusive
    ],
)
def test_current(restrictions: dict[str, float], amps: float, expected: str) -> None:
    price = charge(current_tariff(**restrictions), "2025-01-13 10:00", 1, current_a=amps)
    assert price.excl_vat == D(expected)


def test_unknown_current_does_not_match_and_says_so() -> None:
    price = charge(current_tariff(min_current=32), "2025-01-13 10:00", 1)
    assert price.excl_vat == D("1.00")
    assert any("current unknown" in note for note in price.notes)


@pytest.mark.parametrize(
    ("restrictions", "kw", "element"),
    [
        ({"max_power": 22}, 11, 0),
        ({"max_power": 22}, 22, 1),  # exclusive
        ({"min_power": 50}, 50, 0),  # inclusive
        ({"min_power": 50}, 49.9, 1),
    ],
)
def test_power(restrictions: dict[str, float], kw: float, element: int) -> None:
    price = charge(two_rate(**restrictions), "2025-01-13 10:00", 1, kw=kw)
    assert energy_elements(price) == [element]


def test_power_of_a_period_without_power_dimensions_is_energy_over_time() -> None:
    # 10 kWh in 0.5 h charging = 20 kW < 22: element #1 (0.20) -> 2.00.
    start = local("2025-01-13 10:00")
    periods = [period(start, ENERGY=10, TIME=0.5)]
    price = price_charge(
        two_rate(max_power=22), ActualCharge(periods, end=start + timedelta(minutes=30)), BERLIN
    )
    assert price.excl_vat == D("2.00")


def test_min_duration_from_the_second_hour() -> None:
    # TIME 6.00/h from the 2nd hour only: 90 min -> 30 min billed = 3.00.
    t = tariff(el(pc("TIME", 6.00), min_duration=3600))
    price = charge(t, "2025-01-13 10:00", 1.5)
    assert price.excl_vat == D("3.00")


def test_min_and_max_duration_window() -> None:
    # 6.00/h only in the 2nd hour; 3 h charge: 1 h billed.
    t = tariff(el(pc("TIME", 6.00), min_duration=3600, max_duration=7200))
    assert charge(t, "2025-01-13 10:00", 3).excl_vat == D("6.00")


def test_duration_counts_from_the_session_start_for_parking_too() -> None:
    # Parking free for the first 2 hours of the session, then 6.00/h: 1 h charging + 90 min
    # idle -> the last 30 min are billed: 3.00.
    t = tariff(el(pc("PARKING_TIME", 6.00), min_duration=7200))
    price = charge(t, "2025-01-13 10:00", 1, parking=timedelta(minutes=90))
    assert price.parking.excl_vat == D("3.00")


def test_reservation_elements_price_only_reservation_periods() -> None:
    # Element 0 (reservation, 5.00/h) comes first but must not price charging time.
    t = tariff(el(pc("TIME", 5.00), reservation="RESERVATION"), el(pc("TIME", 1.00)))
    plain = charge(t, "2025-01-13 10:00", 1)
    assert plain.excl_vat == D("1.00")
    reserved = charge(t, "2025-01-13 10:00", 1, reservation=timedelta(minutes=30))
    assert reserved.reservation == Money(D("2.50"), D("2.50"))
    assert reserved.time == Money(D("1.00"), D("1.00"))


def test_regular_elements_do_not_price_reservation_time() -> None:
    t = tariff(el(pc("TIME", 1.00)))
    price = charge(t, "2025-01-13 10:00", 1, reservation=timedelta(minutes=30))
    assert price.reservation == Money()
    assert price.excl_vat == D("1.00")


def test_dst_spring_gap_window_opens_at_the_clock_change() -> None:
    # 2025-03-30 Berlin: 02:00 CET jumps to 03:00 CEST (01:00Z). Window 02:30-04:00 is open
    # from 03:00 CEST (01:00Z) to 04:00 CEST (02:00Z). Charge 23:30Z-02:30Z at 10 kW:
    # 1 h inside (10 kWh x 0.20) + 2 h outside (20 x 0.40) = 10.00.
    t = two_rate(start_time="02:30", end_time="04:00")
    plan = PlannedCharge(start=local("2025-03-30 00:30"), energy_kwh=30, power_kw=10)
    price = price_charge(t, plan, BERLIN)
    assert price.excl_vat == D("10.00")


def test_dst_autumn_fold_window_passes_twice() -> None:
    # 2025-10-26 Berlin: 03:00 CEST falls back to 02:00 CET (01:00Z). 02:30-03:00 happens at
    # 00:30Z-01:00Z and again at 01:30Z-02:00Z: 1 h inside over 00:00Z-03:00Z -> 10.00.
    t = two_rate(start_time="02:30", end_time="03:00")
    start = local("2025-10-26 02:00") - timedelta(hours=1)  # 00:00Z
    price = price_charge(t, PlannedCharge(start=start, energy_kwh=30, power_kw=10), BERLIN)
    assert price.excl_vat == D("10.00")
    assert energy_elements(price).count(0) == 2


def test_actual_periods_are_judged_in_the_location_time_zone() -> None:
    # 08:30Z is 09:30 in Berlin (inside 09-18) but 08:30 in London (outside).
    t = two_rate(start_time="09:00", end_time="18:00")
    start = local("2025-01-13 08:30", "UTC")
    actual = ActualCharge([period(start, ENERGY=10)], end=start + timedelta(hours=1))
    assert price_charge(t, actual, BERLIN).excl_vat == D("2.00")
    assert price_charge(t, actual, "Europe/London").excl_vat == D("4.00")
