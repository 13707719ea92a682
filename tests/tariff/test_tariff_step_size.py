"""step_size (reference 7.1 step 4): once per session, at the last component's step, the extra
billed in the last slice of the dimension; with TIME and PARKING_TIME only parking is rounded."""

from __future__ import annotations

from datetime import timedelta

from emsp_tui.ocpi.enums import TariffDimensionType as Dim
from emsp_tui.tariff import ActualCharge, PlannedCharge, price_charge

from .tariff_support import BERLIN, D, el, example, local, pc, period, tariff

START = local("2025-01-13 10:00")


def test_energy_step_applies_to_the_session_total_not_per_period() -> None:
    # 0.3 + 0.3 kWh, step 1000 Wh: 0.6 -> 1 kWh (not 1 + 1): 1.00.
    t = tariff(el(pc("ENERGY", 1.00, step=1000)))
    periods = [period(START, ENERGY=0.3), period(START + timedelta(minutes=5), ENERGY=0.3)]
    price = price_charge(t, ActualCharge(periods, end=START + timedelta(minutes=10)), BERLIN)
    assert price.excl_vat == D("1.00")
    assert price.billed.energy_kwh == D(1)


def test_less_than_one_step_bills_one_step() -> None:
    t = tariff(el(pc("ENERGY", 1.00, step=1000)))
    price = price_charge(t, PlannedCharge(start=START, energy_kwh=0.2, power_kw=10), BERLIN)
    assert price.excl_vat == D("1.00")


def test_step_of_the_last_component_used_decides() -> None:
    # 1.5 kWh 11:30-12:30 at 1.5 kW, 0.75 kWh each side of 12:00.
    before = {"start_time": "00:00", "end_time": "12:00"}
    plan = PlannedCharge(start=local("2025-01-13 11:30"), energy_kwh=1.5, power_kw=1.5)
    # Last one has step 1: nothing rounded: 1.5 x 0.30 = 0.45.
    t = tariff(el(pc("ENERGY", 0.30, step=1000), **before), el(pc("ENERGY", 0.30, step=1)))
    assert price_charge(t, plan, BERLIN).excl_vat == D("0.45")
    # Last one has step 1000: 1.5 -> 2 kWh, the 0.5 extra at the last price (0.40):
    # 0.75 x 0.30 + 0.75 x 0.40 + 0.5 x 0.40 = 0.725.
    t = tariff(el(pc("ENERGY", 0.30, step=1), **before), el(pc("ENERGY", 0.40, step=1000)))
    assert price_charge(t, plan, BERLIN).excl_vat == D("0.725")


def test_with_parking_billed_charging_time_is_not_rounded() -> None:
    # tariff_13: 149 min charging at 3.00/h (step 60 s: 149 is whole anyway; with parking
    # billed it is not rounded at all) = 7.45; 42 -> 45 min parking at 5.00/h = 3.75. 11.20.
    plan = PlannedCharge(
        start=START,
        energy_kwh=20,
        duration=timedelta(minutes=149, seconds=30),
        parking=timedelta(minutes=42),
    )
    price = price_charge(example("tariff_13_simple_3hour_5parking.json"), plan, BERLIN)
    # 149.5 min x 3.00/h = 7.475, not 150 min.
    assert price.time.excl_vat == D("7.475")
    assert price.parking.excl_vat == D("3.75")


def test_parking_between_two_charging_periods_is_rounded_as_a_total() -> None:
    # Charge 12 min, idle 6 min, charge 12 min. TIME 6.00/h step 900, PARKING 6.00/h step 300:
    # charging 24 min, not rounded (to 30) = 2.40; parking 6 -> 10 min = 1.00.
    t = tariff(el(pc("TIME", 6.00, step=900), pc("PARKING_TIME", 6.00, step=300)))
    periods = [
        period(START, ENERGY=2, TIME=0.2),
        period(START + timedelta(minutes=12), PARKING_TIME=0.1),
        period(START + timedelta(minutes=18), ENERGY=2, TIME=0.2),
    ]
    price = price_charge(t, ActualCharge(periods, end=START + timedelta(minutes=30)), BERLIN)
    assert price.time.excl_vat == D("2.40")
    assert price.parking.excl_vat == D("1.00")


def test_cdr_hours_with_four_decimals_do_not_bill_an_extra_step() -> None:
    # 10 min sent as 0.1667 h (600.12 s). Step 60 s: 10 min billed (1.00), not 11 (1.10).
    t = tariff(el(pc("TIME", 6.00, step=60)))
    periods = [period(START, ENERGY=5, TIME=0.1667)]
    price = price_charge(t, ActualCharge(periods, end=START + timedelta(minutes=10)), BERLIN)
    assert price.excl_vat == D("1.00")


def test_reservation_time_is_rounded_on_its_own() -> None:
    # Reservation 13 -> 20 min and charging 13 -> 20 min (step 600 each) at 6.00/h: 2.00 +
    # 2.00. Rounded together (26 -> 30 min) it would be 3.00.
    t = tariff(
        el(pc("TIME", 6.00, step=600), reservation="RESERVATION"), el(pc("TIME", 6.00, step=600))
    )
    plan = PlannedCharge(
        start=START, energy_kwh=2, duration=timedelta(minutes=13), reservation=timedelta(minutes=13)
    )
    price = price_charge(t, plan, BERLIN)
    assert (price.reservation.excl_vat, price.time.excl_vat) == (D("2.00"), D("2.00"))


def test_step_size_zero_means_no_rounding() -> None:
    t = tariff(el(pc("ENERGY", 0.25, step=0)))
    price = price_charge(t, PlannedCharge(start=START, energy_kwh=1.2345, power_kw=11), BERLIN)
    assert price.excl_vat == D("0.308625")
    assert not any(line.step_extra for line in price.lines)


def test_the_extra_is_a_line_of_its_own_on_the_last_slice() -> None:
    t = tariff(el(pc("PARKING_TIME", 6.00, step=900)))
    plan = PlannedCharge(start=START, energy_kwh=1, power_kw=10, parking=timedelta(minutes=1))
    price = price_charge(t, plan, BERLIN)
    extra = [line for line in price.lines if line.step_extra]
    assert [(ln.dimension, ln.seconds, ln.slice_index) for ln in extra] == [
        (Dim.PARKING_TIME, D(840), len(price.slices) - 1)
    ]
    assert price.excl_vat == D("1.50")
