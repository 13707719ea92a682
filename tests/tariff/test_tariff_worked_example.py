"""Reference section 7.2: tariff T1, Wed 2025-01-15, Europe/Amsterdam (UTC+1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from emsp_tui.ocpi.enums import TariffDimensionType as Dim
from emsp_tui.tariff import ActualCharge, Money, PlannedCharge, price_charge

from .tariff_support import AMSTERDAM, D, el, local, pc, period, tariff


def t1(energy_step: int = 1) -> Any:
    return tariff(
        el(pc("FLAT", 1.00, 21.0)),
        el(pc("ENERGY", 0.35, 21.0, energy_step), max_power=22.0),
        el(pc("ENERGY", 0.55, 21.0, energy_step)),
        el(pc("PARKING_TIME", 6.00, 21.0, 300), start_time="09:00", end_time="18:00"),
        id="T1",
    )


def cdr_periods(parking_from: str = "17:40") -> ActualCharge:
    # 16:40-17:10 at 50 kW (25 kWh), 17:10-17:40 at 11 kW (5.5 kWh), 17 min plugged in idle.
    parked = local(f"2025-01-15 {parking_from}", AMSTERDAM)
    periods = [
        period(local("2025-01-15 16:40", AMSTERDAM), "T1", ENERGY=25, MAX_POWER=50),
        period(local("2025-01-15 17:10", AMSTERDAM), "T1", ENERGY=5.5, MAX_POWER=11),
        period(parked, "T1", PARKING_TIME=0.2833),
    ]
    return ActualCharge(periods, end=parked + timedelta(minutes=17))


def test_worked_example_totals_and_breakdown() -> None:
    # FLAT 1.00 + 25 x 0.55 + 5.5 x 0.35 + 20 min x 6.00/h = 1.00 + 13.75 + 1.925 + 2.00.
    price = price_charge(t1(), cdr_periods(), AMSTERDAM)
    assert (price.excl_vat, price.incl_vat) == (D("18.675"), D("22.59675"))
    assert price.fixed == Money(D("1.00"), D("1.21"))
    assert price.energy == Money(D("15.675"), D("18.96675"))
    assert price.parking == Money(D("2.00"), D("2.42"))
    assert price.time == Money()
    assert price.reservation == Money()
    assert price.rounded() == Money(D("18.68"), D("22.60"))


def test_worked_example_elements_chosen_per_period() -> None:
    price = price_charge(t1(), cdr_periods(), AMSTERDAM)
    # 0-based: #1 FLAT, #3 at 50 kW (#2 needs < 22 kW), #2 at 11 kW, #4 parking inside 09-18.
    assert [dict(s.elements) for s in price.slices] == [
        {Dim.FLAT: 0, Dim.ENERGY: 2},
        {Dim.ENERGY: 1},
        {Dim.PARKING_TIME: 3},
    ]
    assert [s.period_index for s in price.slices] == [0, 1, 2]


def test_worked_example_quantities() -> None:
    price = price_charge(t1(), cdr_periods(), AMSTERDAM)
    assert price.measured.energy_kwh == D("30.5")
    assert price.measured.parking_hours == D("0.2833")
    assert price.billed.energy_kwh == D("30.5")
    parking_s = sum(ln.seconds or 0 for ln in price.lines if ln.dimension == Dim.PARKING_TIME)
    assert parking_s == 20 * 60  # 17 min (0.2833 h) -> 20 min (step 300 s)
    assert price.billed.parking_hours == D(1200) / 3600
    parking_extra = [line for line in price.lines if line.step_extra]
    assert [(ln.dimension, ln.slice_index) for ln in parking_extra] == [(Dim.PARKING_TIME, 2)]


def test_worked_example_energy_step_variant() -> None:
    # step_size 1000 Wh: 30.5 -> 31 kWh; the 0.5 kWh extra lands in the last energy period at
    # 0.35: 6.0 x 0.35 = 2.10; 1.00 + 13.75 + 2.10 + 2.00 = 18.85 excl, x 1.21 = 22.8085 incl.
    price = price_charge(t1(energy_step=1000), cdr_periods(), AMSTERDAM)
    assert (price.excl_vat, price.incl_vat) == (D("18.85"), D("22.8085"))
    assert price.billed.energy_kwh == D(31)
    extra = next(line for line in price.lines if line.step_extra and line.dimension == Dim.ENERGY)
    assert (extra.quantity, extra.element_index, extra.slice_index) == (D("0.5"), 1, 1)


def test_worked_example_parking_after_18_is_free() -> None:
    # Parking from 18:05: no PARKING_TIME element matches and there is no fallback.
    price = price_charge(t1(), cdr_periods(parking_from="18:05"), AMSTERDAM)
    assert price.excl_vat == D("16.675")
    assert price.parking == Money()
    assert Dim.PARKING_TIME not in price.slices[2].elements


def test_worked_example_as_a_plan_at_one_power() -> None:
    # Planned: 30.5 kWh at 11 kW from 16:40 (ends 19:26:21, after 18:00), then 17 min idle:
    # all energy at #2 (0.35) = 10.675; parking after 18:00 free. 1.00 + 10.675 = 11.675.
    charge = PlannedCharge(
        start=local("2025-01-15 16:40", AMSTERDAM),
        energy_kwh=30.5,
        power_kw=11,
        parking=timedelta(minutes=17),
    )
    price = price_charge(t1(), charge, AMSTERDAM)
    assert price.excl_vat == D("11.675")
    assert price.parking == Money()
